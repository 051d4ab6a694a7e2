import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import {
  getClassifierModel,
  insertClassifierModel,
  latestClassifierVersion,
  listCategories,
  listTrainingExamples,
} from '../../db/queries/triage.js';
import {
  evaluate,
  type LabelledText,
  MODEL_KIND,
  type Prediction,
  predictTexts,
  stratifiedSplit,
  TrainedClassifier,
  trainClassifier,
  trainClassifierWithEmbedder,
} from '../../models/classifier/index.js';
import type { Embedder } from '../../models/embedder/types.js';

export interface LoadedClassifier {
  classifier: TrainedClassifier;
  version: number;
}

export interface ClassifierStore {
  /** The newest trained classifier; trains the first one from the starter taxonomy if none. */
  current(): Promise<LoadedClassifier>;
  /** Trains on everything labelled now, stores a new version with its evaluation. */
  retrain(): Promise<{ version: number; metrics: Record<string, unknown> }>;
  /** How many labelled examples the current model learned from (cold-start detection). */
  trainedOn(): number;
}

/** Minimum examples before a held-out evaluation means anything. */
const MIN_EVAL_EXAMPLES = 40;

/** Taxonomy examples plus imported and corrected labels, restricted to active categories. */
export async function collectTrainingData(db: Db): Promise<LabelledText[]> {
  const categories = await listCategories(db, { activeOnly: true });
  const active = new Set(categories.map((c) => c.name));
  const examples: LabelledText[] = categories.flatMap((c) =>
    c.examples.map((text) => ({ text, label: c.name })),
  );
  for (const row of await listTrainingExamples(db)) {
    if (active.has(row.label)) examples.push({ text: row.text, label: row.label });
  }
  return examples;
}

/**
 * Dense features from the configured embedder ride on top of the lexical ones; the built-in hashed
 * embedder is skipped here because it adds nothing the lexical n-grams lack.
 */
function denseEmbedder(embedder: Embedder | undefined): Embedder | undefined {
  return embedder && !embedder.name.startsWith('hashed') ? embedder : undefined;
}

async function train(
  examples: LabelledText[],
  embedder: Embedder | undefined,
): Promise<TrainedClassifier> {
  const dense = denseEmbedder(embedder);
  return dense ? trainClassifierWithEmbedder(examples, dense) : trainClassifier(examples);
}

/** Predicts with whatever features the stored model was trained on. */
export async function predictCategory(
  loaded: LoadedClassifier,
  text: string,
  embedder: Embedder | undefined,
): Promise<Prediction> {
  if (!loaded.classifier.dense) return loaded.classifier.predict(text);
  const [prediction] = await predictTexts(loaded.classifier, [text], embedder);
  return prediction!;
}

export async function trainAndStore(
  db: Db,
  embedder?: Embedder,
): Promise<{ version: number; metrics: Record<string, unknown> }> {
  const examples = await collectTrainingData(db);
  const started = performance.now();
  let metrics: Record<string, unknown> = { examples: examples.length };
  if (examples.length >= MIN_EVAL_EXAMPLES) {
    // Evaluate on a held-out fifth, then train the stored model on everything.
    const { train: trainSet, test } = stratifiedSplit(examples, 0.2, 7);
    const heldOutModel = await train(trainSet, embedder);
    const dense = heldOutModel.dense ? await embedder!.embed(test.map((t) => t.text)) : undefined;
    const evaluation = evaluate(heldOutModel, test, dense ? { denseVectors: dense } : {});
    metrics = {
      ...metrics,
      heldOut: test.length,
      accuracy: evaluation.accuracy,
      macroF1: evaluation.macroF1,
      ece: evaluation.ece,
      confusedPairs: evaluation.confusedPairs.slice(0, 10),
    };
  }
  const classifier = await train(examples, embedder);
  metrics.trainMs = Math.round(performance.now() - started);
  const row = await insertClassifierModel(db, {
    algorithm: MODEL_KIND,
    featureVersion: classifier.featureVersion,
    labels: [...classifier.labels],
    trainedOn: examples.length,
    metrics,
    model: classifier.toJSON(),
  });
  return { version: row.version, metrics };
}

/**
 * Keeps the newest classifier in memory. Workers check the stored version at most every
 * `refreshMs` (one indexed query), so a retrain on any worker is picked up by all of them without
 * a restart.
 */
export function createClassifierStore(
  db: Db,
  log: Logger,
  options: { embedder?: Embedder; refreshMs?: number } = {},
): ClassifierStore {
  const refreshMs = options.refreshMs ?? 10_000;
  let loaded: LoadedClassifier | undefined;
  let trainedOn = 0;
  let checkedAt = 0;
  let pending: Promise<LoadedClassifier> | undefined;

  const load = async (): Promise<LoadedClassifier> => {
    let latest = await latestClassifierVersion(db);
    if (!latest) {
      log.info('no classifier yet: training one from the taxonomy and labelled examples');
      const trained = await trainAndStore(db, options.embedder);
      latest = { version: trained.version, createdAt: new Date() };
    }
    if (loaded && loaded.version === latest.version) return loaded;
    const row = await getClassifierModel(db, latest.version);
    if (!row) throw new Error(`classifier version ${latest.version} vanished`);
    trainedOn = row.trainedOn;
    loaded = { classifier: TrainedClassifier.fromJSON(row.model), version: row.version };
    log.info({ version: row.version, trainedOn: row.trainedOn }, 'classifier loaded');
    return loaded;
  };

  return {
    async current() {
      if (loaded && Date.now() - checkedAt < refreshMs) return loaded;
      pending ??= load().finally(() => {
        pending = undefined;
        checkedAt = Date.now();
      });
      return pending;
    },
    async retrain() {
      const result = await trainAndStore(db, options.embedder);
      checkedAt = 0;
      return result;
    },
    trainedOn: () => trainedOn,
  };
}
