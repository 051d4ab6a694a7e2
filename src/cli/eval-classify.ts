/**
 * Trains the default ticket classifier on a labelled CSV and reports held-out quality and speed.
 * Everything goes through the same `trainClassifier` / `predict` the service uses. Progress and
 * diagnostics go to stderr; the last stdout line is one JSON object for scripts to parse.
 */
import { parseArgs } from 'node:util';
import { readExamples } from '../models/classifier/csv.js';
import {
  evaluate,
  type FeatureConfig,
  type LabelledText,
  samplePerLabel,
  stratifiedSplit,
  trainClassifier,
} from '../models/classifier/index.js';

const usage = `Usage: npm run -s eval:classify -- --train <train.csv> (--test <test.csv> | --split 0.2)
    [--text-col text] [--label-col label] [--per-label N] [--seed 42]
    [--c 1] [--class-weight uniform|balanced] [--features '{"charNgrams":[2,5]}']

CSV files need a header row. --text-col may name several columns separated by commas
(e.g. subject,body); their values are joined with a newline. --split holds out a stratified,
seeded fraction of --train instead of reading --test. --per-label keeps at most N training
examples per label (the few-shot check). --c and --features override training defaults, for
comparing settings; the defaults are what the service uses.`;

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
      'label-col': { type: 'string', default: 'label' },
      'per-label': { type: 'string' },
      seed: { type: 'string', default: '42' },
      c: { type: 'string' },
      'class-weight': { type: 'string' },
      features: { type: 'string' },
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
  const labelColumn = values['label-col'];

  let train = await readExamples(values.train, textColumns, labelColumn);
  let test: LabelledText[];
  if (values.test) {
    test = await readExamples(values.test, textColumns, labelColumn);
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

  const trainStart = performance.now();
  const classifier = trainClassifier(train, {
    seed,
    ...(values.c === undefined ? {} : { c: Number(values.c) }),
    ...(values['class-weight'] === undefined
      ? {}
      : { classWeight: parseClassWeight(values['class-weight']) }),
    ...(values.features === undefined
      ? {}
      : { features: JSON.parse(values.features) as Partial<FeatureConfig> }),
  });
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
      accuracy: round(report.accuracy, 4),
      macroF1: round(report.macroF1, 4),
      n: report.n,
      ...(llm ?? {}),
      trainMs: Math.round(trainMs),
      predictP50Us: round(percentile(latenciesUs, 0.5), 1),
      predictP99Us: round(percentile(latenciesUs, 0.99), 1),
    }),
  );
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
