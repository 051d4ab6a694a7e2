import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import {
  getClassifierModel,
  insertClassifierModel,
  latestClassifierVersions,
  listCategories,
  listLabelledFields,
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
import type {
  ClassifierStore,
  LoadedClassifier,
  TrainResult,
} from '../../models/classifier/store.js';
import type { Embedder } from '../../models/embedder/types.js';
import { CATEGORY_FIELD, trainableExamples } from './fields.js';

/** Minimum examples before a held-out evaluation means anything. */
const MIN_EVAL_EXAMPLES = 40;

/** Taxonomy examples plus imported and corrected labels, restricted to active categories. */
export async function collectTrainingData(db: Db): Promise<LabelledText[]> {
  const categories = await listCategories(db, { activeOnly: true });
  const active = new Set(categories.map((c) => c.name));
  const examples: LabelledText[] = categories.flatMap((c) =>
    c.examples.map((text) => ({ text, label: c.name })),
  );
  for (const row of await listTrainingExamples(db, CATEGORY_FIELD)) {
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

/** Predicts with whatever features the stored model (of any field) was trained on. */
export async function predictCategory(
  loaded: LoadedClassifier,
  text: string,
  embedder: Embedder | undefined,
): Promise<Prediction> {
  if (!loaded.classifier.dense) return loaded.classifier.predict(text);
  const [prediction] = await predictTexts(loaded.classifier, [text], embedder);
  return prediction!;
}

/**
 * Trains and stores a new model for every field: the category (always), and each other field
 * whose labels suffice. The entry point of the CLI, the retrain job and the first start.
 */
export async function trainAndStore(db: Db, embedder?: Embedder): Promise<TrainResult> {
  const category = await trainFieldAndStore(
    db,
    CATEGORY_FIELD,
    await collectTrainingData(db),
    embedder,
  );
  const fields: TrainResult['fields'] = {};
  for (const { field } of await listLabelledFields(db)) {
    const usable = trainableExamples(await listTrainingExamples(db, field));
    if ('skipped' in usable) {
      fields[field] = { skipped: usable.skipped };
      continue;
    }
    const result = await trainFieldAndStore(db, field, usable.examples, embedder);
    if (usable.droppedLabels.length > 0) result.metrics.droppedLabels = usable.droppedLabels;
    fields[field] = result;
  }
  return { ...category, fields };
}

/** Evaluates on a held-out fifth, trains on everything, stores the version. */
async function trainFieldAndStore(
  db: Db,
  field: string,
  examples: LabelledText[],
  embedder: Embedder | undefined,
): Promise<{ version: number; metrics: Record<string, unknown> }> {
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
    field,
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
 * Keeps the newest model of every field in memory. Workers check the stored versions at most every
 * `refreshMs` (one indexed query), so a retrain on any worker is picked up by all of them without
 * a restart.
 */
export function createClassifierStore(
  db: Db,
  log: Logger,
  options: { embedder?: Embedder; refreshMs?: number } = {},
): ClassifierStore {
  const refreshMs = options.refreshMs ?? 10_000;
  let loaded = new Map<string, LoadedClassifier>();
  let trainedOn = 0;
  let checkedAt = 0;
  let pending: Promise<Map<string, LoadedClassifier>> | undefined;

  // The embedder the stored models must have been trained with (null: n-grams only).
  const wantedDense = denseEmbedder(options.embedder)?.name ?? null;
  let retrainedForEmbedder = false;

  const load = async (): Promise<Map<string, LoadedClassifier>> => {
    let latest = await latestClassifierVersions(db);
    if (!latest.some((row) => row.field === CATEGORY_FIELD)) {
      log.info('no classifier yet: training one from the taxonomy and labelled examples');
      await trainAndStore(db, options.embedder);
      latest = await latestClassifierVersions(db);
    }
    if (!retrainedForEmbedder) {
      const category = latest.find((row) => row.field === CATEGORY_FIELD)!;
      const row = await getClassifierModel(db, category.version);
      const stored = row ? (TrainedClassifier.fromJSON(row.model).dense?.embedder ?? null) : null;
      if (row && stored !== wantedDense) {
        // EMBEDDER changed since the last training: the stored models cannot predict with the
        // configured embedder (or need one that is gone). Retrain once, with the new one.
        retrainedForEmbedder = true;
        log.info({ stored, configured: wantedDense }, 'embedder changed: retraining classifiers');
        await trainAndStore(db, options.embedder);
        latest = await latestClassifierVersions(db);
      }
    }
    const next = new Map<string, LoadedClassifier>();
    for (const { field, version } of latest) {
      const known = loaded.get(field);
      if (known && known.version === version) {
        next.set(field, known);
        continue;
      }
      const row = await getClassifierModel(db, version);
      if (!row) throw new Error(`classifier version ${version} vanished`);
      if (field === CATEGORY_FIELD) trainedOn = row.trainedOn;
      next.set(field, { classifier: TrainedClassifier.fromJSON(row.model), version });
      log.info({ field, version, trainedOn: row.trainedOn }, 'classifier loaded');
    }
    loaded = next;
    return next;
  };

  const fresh = async (): Promise<Map<string, LoadedClassifier>> => {
    if (loaded.has(CATEGORY_FIELD) && Date.now() - checkedAt < refreshMs) return loaded;
    pending ??= load().finally(() => {
      pending = undefined;
      checkedAt = Date.now();
    });
    return pending;
  };

  return {
    async current() {
      return (await fresh()).get(CATEGORY_FIELD)!;
    },
    async forField(field) {
      return (await fresh()).get(field) ?? null;
    },
    all: fresh,
    async retrain() {
      const result = await trainAndStore(db, options.embedder);
      checkedAt = 0;
      return result;
    },
    trainedOn: () => trainedOn,
  };
}
