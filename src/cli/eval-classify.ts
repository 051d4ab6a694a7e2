/**
 * Trains the default ticket classifier on a labelled CSV and reports held-out quality and speed.
 * Everything goes through the same `trainClassifier` / `predict` the service uses. Progress and
 * diagnostics go to stderr; the last stdout line is one JSON object for scripts to parse.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readExamples, readLabelledRows } from '../models/classifier/csv.js';
import { CHAR_ONLY, predictEnsemble, WORD_ONLY } from '../models/classifier/ensemble.js';
import {
  evaluate,
  type FeatureConfig,
  type LabelledText,
  type PredictionOutcome,
  predictTexts,
  samplePerLabel,
  scorePredictions,
  stratifiedSplit,
  type TrainOptions,
  trainClassifier,
  trainClassifierWithEmbedder,
} from '../models/classifier/index.js';
import { createEmbedder } from '../models/embedder/create.js';
import {
  CATEGORY_FIELD,
  normalizeFieldLabel,
  normalizePriority,
  PRIORITY_FIELD,
} from '../pipeline/triage/fields.js';
import { decidePriority, detectSentiment, priorityOverrides } from '../pipeline/triage/signals.js';
import { reportHtml, reportJson, type Scores, scores } from './classify-report.js';

const usage = `Usage: npm run -s eval:classify -- --train <train.csv> (--test <test.csv> | --split 0.2)
    [--field category|queue|priority|<custom>] [--text-col text] [--label-col label]
    [--per-label N] [--seed 42] [--out report.html] [--ensemble]
    [--c 1] [--class-weight uniform|balanced] [--features '{"charNgrams":[2,5]}']
    [--variant pairs,self-train,embed,...] [--unlabelled test|<file.csv>] [--embedder <path>]

--field names the triage field evaluated; its labels are read from the column of the same name
(--label-col overrides; the category's column is "label"). Priority labels are mapped to the
service's (medium → normal, critical → urgent) and the report adds the priority rules as a
baseline. Every report has the majority-class baseline. The JSON has accuracy, macroF1, perClass,
confusions and ece; --out also writes them as an HTML page. --ensemble also trains a word-only
and a character-only model and reports the average of the three models' probabilities.

CSV files need a header row. --text-col may name several columns separated by commas
(e.g. subject,body); their values are joined with a newline. --split holds out a stratified,
seeded fraction of --train instead of reading --test. --per-label keeps at most N training
examples per label (the few-shot check). --c and --features override training defaults, for
comparing settings; the defaults are what the service uses.

--variant trains each named variant besides the service's model and reports its accuracy,
macroF1, ece, trainMs and predictP50Us under "variants" (comma-separated):
  default          the service's model (the main report)
  pairs            plus ordered word pairs up to 4 apart (features for short utterances)
  self-train       self-training on unlabelled texts (--unlabelled: a CSV read with --text-col,
                   or "test" for the test texts without their labels; the default)
  corpus           plus word vectors trained on the training and unlabelled texts (random
                   indexing, no download; --unlabelled as for self-train)
  a+b              any combination of pairs, self-train and corpus, e.g. pairs+self-train
  ensemble         the service's model + word-only + char-only, probabilities averaged
  embed            n-grams + the embedding of --embedder (an ONNX folder or a .gguf, as EMBEDDER);
                   predictP50Us then includes embedding the text
--embedder-pooling mean|cls and --embedder-prefix "query: " configure an ONNX embedder.`;

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

function parseClassWeight(value: string): 'balanced' | 'uniform' {
  if (value === 'balanced' || value === 'uniform') return value;
  throw new Error(`--class-weight must be uniform or balanced, got ${value}`);
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      train: { type: 'string' },
      test: { type: 'string' },
      split: { type: 'string' },
      'text-col': { type: 'string', default: 'text' },
      'label-col': { type: 'string' },
      field: { type: 'string', default: CATEGORY_FIELD },
      out: { type: 'string' },
      ensemble: { type: 'boolean' },
      'per-label': { type: 'string' },
      seed: { type: 'string', default: '42' },
      c: { type: 'string' },
      'class-weight': { type: 'string' },
      features: { type: 'string' },
      variant: { type: 'string' },
      unlabelled: { type: 'string', default: 'test' },
      embedder: { type: 'string' },
      'embedder-pooling': { type: 'string' },
      'embedder-prefix': { type: 'string' },
      llm: { type: 'string' },
      'llm-threshold': { type: 'string', default: '0.5' },
      'llm-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.train || (!values.test && !values.split)) {
    console.error(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const seed = Number(values.seed);
  const textColumns = values['text-col'].split(',').map((column) => column.trim());
  const field = values.field;
  const labelColumn = values['label-col'] ?? (field === CATEGORY_FIELD ? 'label' : field);
  const read = async (path: string) =>
    (await readExamples(path, textColumns, labelColumn)).map((example) => ({
      text: example.text,
      label: normalizeFieldLabel(field, example.label),
    }));

  let train = await read(values.train);
  let test: LabelledText[];
  if (values.test) {
    test = await read(values.test);
  } else {
    const fraction = Number(values.split);
    ({ train, test } = stratifiedSplit(train, fraction, seed));
  }
  if (values['per-label'] !== undefined) {
    const perLabel = Number(values['per-label']);
    if (!Number.isInteger(perLabel) || perLabel < 1)
      throw new Error('--per-label must be a positive integer');
    train = samplePerLabel(train, perLabel, seed);
  }
  const labelCount = new Set(train.map((example) => example.label)).size;
  console.error(
    `training on ${train.length} examples, ${labelCount} labels; testing on ${test.length}`,
  );

  const trainOptions = {
    seed,
    ...(values.c === undefined ? {} : { c: Number(values.c) }),
    ...(values['class-weight'] === undefined
      ? {}
      : { classWeight: parseClassWeight(values['class-weight']) }),
    ...(values.features === undefined
      ? {}
      : { features: JSON.parse(values.features) as Partial<FeatureConfig> }),
  };
  const trainStart = performance.now();
  const classifier = trainClassifier(train, trainOptions);
  const trainMs = performance.now() - trainStart;
  const modelBytes = JSON.stringify(classifier).length;
  console.error(
    `trained in ${Math.round(trainMs)} ms; temperature ${classifier.temperature.toFixed(3)}; ` +
      `serialised model ${(modelBytes / 1e6).toFixed(2)} MB`,
  );

  const report = evaluate(classifier, test);

  // Latency of the call the triage worker makes: feature extraction plus scoring, one text at a
  // time, after a warm-up pass so the JIT has compiled the hot loops.
  for (const example of test.slice(0, 200)) classifier.predict(example.text);
  const latenciesUs: number[] = [];
  for (const example of test) {
    const start = process.hrtime.bigint();
    classifier.predict(example.text);
    latenciesUs.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  latenciesUs.sort((a, b) => a - b);

  const baselines = baselineScores(field, train, test, classifier);
  const requested = new Set(
    (values.variant ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  );
  if (values.ensemble) requested.add('ensemble');
  const variants: Record<string, VariantScores> = {};
  for (const name of requested) {
    if (name === 'default') {
      variants[name] = {
        ...scores(report),
        ece: round(report.ece, 4),
        trainMs: Math.round(trainMs),
        predictP50Us: round(percentile(latenciesUs, 0.5), 1),
      };
    } else if (name === 'ensemble') {
      variants[name] = evaluateEnsemble(train, test, trainOptions, classifier, trainMs);
    } else if (name === 'embed') {
      variants[name] = await evaluateEmbedded(train, test, trainOptions, values);
    } else {
      const unlabelled = /self-train|corpus/.test(name)
        ? await unlabelledTexts(values.unlabelled, textColumns, test)
        : [];
      variants[name] = evaluateVariant(train, test, variantOptions(name, trainOptions, unlabelled));
    }
    console.error(`variant ${name}: ${JSON.stringify(variants[name])}`);
  }
  console.error(
    `baselines: ${Object.entries(baselines)
      .map(([name, b]) => `${name} acc=${b.accuracy} macroF1=${b.macroF1}`)
      .join('; ')}`,
  );
  const trainMsRounded = Math.round(trainMs);
  const predictP50Us = round(percentile(latenciesUs, 0.5), 1);
  if (values.out) {
    await writeFile(
      values.out,
      reportHtml({
        title: `eval:classify — ${values.train}`,
        field,
        report,
        baselines,
        timing: { trainMs: trainMsRounded, predictP50Us },
      }),
    );
    console.error(`report written to ${values.out}`);
  }

  const weakest = [...report.perLabel].sort((a, b) => a.f1 - b.f1).slice(0, 5);
  console.error(`ece ${report.ece.toFixed(4)}`);
  console.error(
    `weakest labels: ${weakest.map((m) => `${m.label} f1=${m.f1.toFixed(2)} (n=${m.support})`).join('; ')}`,
  );
  console.error(
    `most confused: ${report.confusedPairs
      .slice(0, 5)
      .map((pair) => `${pair.gold} → ${pair.predicted} ×${pair.count}`)
      .join('; ')}`,
  );
  if (report.unknownLabels.length > 0) {
    console.error(`test labels never seen in training: ${report.unknownLabels.join(', ')}`);
  }
  const llm = values.llm
    ? await evaluateLlmTier(values.llm, classifier, train, test, {
        threshold: Number(values['llm-threshold']),
        limit: values['llm-limit'] === undefined ? undefined : Number(values['llm-limit']),
      })
    : undefined;
  console.log(
    JSON.stringify({
      field,
      ...reportJson(report),
      baselines,
      ...(requested.size > 0 ? { variants } : {}),
      ...(llm ?? {}),
      trainMs: trainMsRounded,
      predictP50Us,
      predictP99Us: round(percentile(latenciesUs, 0.99), 1),
    }),
  );
}

/**
 * What the model has to beat: always answering the training set's most frequent label, and for
 * the priority the service's rules (category default "normal", outage and failure words,
 * sentiment; no VIP list) and the model with the rules that still override it (outage words).
 */
function baselineScores(
  field: string,
  train: readonly LabelledText[],
  test: readonly LabelledText[],
  classifier: ReturnType<typeof trainClassifier>,
): Record<string, Scores> {
  const counts = new Map<string, number>();
  for (const example of train) counts.set(example.label, (counts.get(example.label) ?? 0) + 1);
  const majority = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
  const out: Record<string, Scores> = {
    majority: scores(
      scorePredictions(test.map((e) => ({ gold: e.label, predicted: majority, confidence: 1 }))),
    ),
  };
  if (field !== PRIORITY_FIELD) return out;
  const noVip = { requesterEmail: null, vipDomains: [], vipEmails: [] };
  out.rules = scores(
    scorePredictions(
      test.map((e) => ({
        gold: e.label,
        predicted: decidePriority({
          text: e.text,
          categoryDefault: 'normal',
          sentiment: detectSentiment(e.text).label,
          ...noVip,
        }).priority,
        confidence: 1,
      })),
    ),
  );
  out.modelWithOverrides = scores(
    scorePredictions(
      test.map((e) => {
        const prediction = classifier.predict(e.text);
        const learned = normalizePriority(prediction.label) ?? 'normal';
        return {
          gold: e.label,
          predicted: priorityOverrides(learned, { text: e.text, ...noVip }).priority,
          confidence: prediction.confidence,
        };
      }),
    ),
  );
  return out;
}

interface VariantScores extends Scores {
  ece: number;
  trainMs: number;
  predictP50Us: number;
  pseudoLabelled?: number;
}

/** Word pairs up to this far apart in the `pairs` variant (4 was best of 3–6 on CLINC150). */
const PAIR_WINDOW = 4;

function variantOptions(
  name: string,
  base: TrainOptions,
  unlabelled: readonly string[],
): TrainOptions {
  const parts = new Set(name.split('+'));
  for (const part of parts) {
    if (part !== 'pairs' && part !== 'self-train' && part !== 'corpus') {
      throw new Error(`unknown variant ${name}`);
    }
  }
  return {
    ...base,
    ...(parts.has('pairs') ? { features: { ...base.features, wordPairWindow: PAIR_WINDOW } } : {}),
    ...(parts.has('self-train') ? { selfTraining: { texts: unlabelled } } : {}),
    ...(parts.has('corpus') ? { corpusEmbedding: { texts: unlabelled } } : {}),
  };
}

/** `test`: the test texts without their labels (transductive); otherwise a CSV's text columns. */
async function unlabelledTexts(
  source: string,
  textColumns: readonly string[],
  test: readonly LabelledText[],
): Promise<string[]> {
  if (source === 'test') return test.map((example) => example.text);
  const { rows } = await readLabelledRows(source, textColumns, []);
  return rows.map((row) => row.text).filter((text) => text.trim() !== '');
}

function timePredictions(
  test: readonly LabelledText[],
  predict: (text: string, index: number) => { label: string; confidence: number },
): { outcomes: PredictionOutcome[]; predictP50Us: number } {
  const latencies: number[] = [];
  const outcomes = test.map((example, index) => {
    const start = process.hrtime.bigint();
    const prediction = predict(example.text, index);
    latencies.push(Number(process.hrtime.bigint() - start) / 1000);
    return { gold: example.label, predicted: prediction.label, confidence: prediction.confidence };
  });
  latencies.sort((a, b) => a - b);
  return { outcomes, predictP50Us: round(percentile(latencies, 0.5), 1) };
}

function variantScores(
  outcomes: readonly PredictionOutcome[],
  trainMs: number,
  predictP50Us: number,
): VariantScores {
  const report = scorePredictions(outcomes);
  return {
    ...scores(report),
    ece: round(report.ece, 4),
    trainMs: Math.round(trainMs),
    predictP50Us,
  };
}

/** One more single model (other features, self-training): quality, training time, latency. */
function evaluateVariant(
  train: readonly LabelledText[],
  test: readonly LabelledText[],
  options: TrainOptions,
): VariantScores {
  const started = performance.now();
  const model = trainClassifier(train, options);
  const trainMs = performance.now() - started;
  for (const example of test.slice(0, 200)) model.predict(example.text);
  const { outcomes, predictP50Us } = timePredictions(test, (text) => model.predict(text));
  const pseudo = model.training.pseudoLabelled;
  return {
    ...variantScores(outcomes, trainMs, predictP50Us),
    ...(pseudo === undefined ? {} : { pseudoLabelled: pseudo }),
  };
}

/**
 * N-grams + a local embedding model, as the service trains with `EMBEDDER` set. Training time
 * includes embedding the training texts; latency includes embedding one text.
 */
async function evaluateEmbedded(
  train: readonly LabelledText[],
  test: readonly LabelledText[],
  options: TrainOptions,
  values: {
    embedder?: string;
    'embedder-pooling'?: string;
    'embedder-prefix'?: string;
  },
): Promise<VariantScores> {
  if (!values.embedder) throw new Error('--variant embed needs --embedder <ONNX folder or .gguf>');
  const pooling = values['embedder-pooling'];
  if (pooling !== undefined && pooling !== 'mean' && pooling !== 'cls') {
    throw new Error(`--embedder-pooling must be mean or cls, got ${pooling}`);
  }
  const embedder = await createEmbedder({
    path: values.embedder,
    ...(pooling === undefined ? {} : { pooling }),
    ...(values['embedder-prefix'] === undefined ? {} : { prefix: values['embedder-prefix'] }),
  });
  try {
    const started = performance.now();
    const model = await trainClassifierWithEmbedder(train, embedder, options);
    const trainMs = performance.now() - started;
    const latencies: number[] = [];
    const outcomes: PredictionOutcome[] = [];
    for (const example of test) {
      const start = process.hrtime.bigint();
      const [prediction] = await predictTexts(model, [example.text], embedder);
      latencies.push(Number(process.hrtime.bigint() - start) / 1000);
      outcomes.push({
        gold: example.label,
        predicted: prediction!.label,
        confidence: prediction!.confidence,
      });
    }
    latencies.sort((a, b) => a - b);
    return {
      ...variantScores(outcomes, trainMs, round(percentile(latencies, 0.5), 1)),
    };
  } finally {
    await embedder.close();
  }
}

/** The three-model ensemble's quality, its total training time and its per-text latency. */
function evaluateEnsemble(
  train: readonly LabelledText[],
  test: readonly LabelledText[],
  options: TrainOptions,
  joint: ReturnType<typeof trainClassifier>,
  jointMs: number,
): VariantScores {
  const started = performance.now();
  const members = [
    joint,
    trainClassifier(train, { ...options, features: { ...options.features, ...WORD_ONLY } }),
    trainClassifier(train, { ...options, features: { ...options.features, ...CHAR_ONLY } }),
  ];
  const trainMs = Math.round(jointMs + performance.now() - started);
  // The same warm-up as the single models get, so latencies compare compiled code with compiled.
  for (const example of test.slice(0, 200)) predictEnsemble(members, example.text);
  const { outcomes, predictP50Us } = timePredictions(test, (text) =>
    predictEnsemble(members, text),
  );
  return variantScores(outcomes, trainMs, predictP50Us);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

/**
 * `--llm <gguf>`: the service's LLM tier over the test set — every example whose classifier
 * confidence is below the threshold goes to the local model with the same prompt, few-shot
 * examples and JSON schema the triage step uses. Reports accuracy with the tier and how many
 * examples it was asked about (`--llm-limit` bounds that, since a CPU LLM is slow).
 */
async function evaluateLlmTier(
  modelPath: string,
  classifier: ReturnType<typeof trainClassifier>,
  train: LabelledText[],
  test: LabelledText[],
  opts: { threshold: number; limit?: number },
) {
  const { createLlamaGenerator } = await import('../models/generator/llama.js');
  const { askTriageLlm } = await import('../pipeline/triage/llm-tier.js');
  const generator = createLlamaGenerator({ modelPath, contextSize: 2048 });
  const examplesByLabel = new Map<string, string[]>();
  for (const example of train) {
    const list = examplesByLabel.get(example.label) ?? [];
    if (list.length < 3) list.push(example.text);
    examplesByLabel.set(example.label, list);
  }
  const now = new Date();
  const categories = [...examplesByLabel].map(([name, examples]) => ({
    id: name,
    name,
    description: '',
    examples,
    defaultPriority: 'normal' as const,
    active: true,
    createdAt: now,
    updatedAt: now,
  }));
  let correct = 0;
  let asked = 0;
  let changed = 0;
  const started = performance.now();
  try {
    for (const example of test) {
      const prediction = classifier.predict(example.text);
      let label = prediction.label;
      if (
        prediction.confidence < opts.threshold &&
        (opts.limit === undefined || asked < opts.limit)
      ) {
        asked++;
        const answer = await askTriageLlm(generator, {
          text: example.text,
          categories,
          prediction,
        }).catch(() => null);
        if (answer?.category && answer.category !== label) {
          label = answer.category;
          changed++;
        }
      }
      if (label === example.label) correct++;
    }
  } finally {
    await generator.close();
  }
  console.error(
    `LLM tier: asked ${asked}, changed ${changed}, ${Math.round(performance.now() - started)} ms`,
  );
  return {
    llmAccuracy: round(correct / Math.max(1, test.length), 4),
    llmAsked: asked,
    llmChanged: changed,
  };
}
