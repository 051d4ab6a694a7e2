/**
 * Deterministic dataset splits for evaluation: stratified so every label is represented on both
 * sides, seeded so two runs compare the same examples.
 */
import { createRandom, shuffleInPlace } from './random.js';

function groupByLabel<T extends { readonly label: string }>(examples: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const example of examples) {
    const group = groups.get(example.label);
    if (group) group.push(example);
    else groups.set(example.label, [example]);
  }
  // Label order must not depend on input order, or the seed would not pin the split.
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

/**
 * Splits each label's examples so about `testFraction` of them are held out. A label with a single
 * example stays in training: holding it out would test a label the model cannot know.
 */
export function stratifiedSplit<T extends { readonly label: string }>(
  examples: readonly T[],
  testFraction: number,
  seed: number,
): { train: T[]; test: T[] } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be between 0 and 1, got ${testFraction}`);
  }
  const random = createRandom(seed);
  const train: T[] = [];
  const test: T[] = [];
  for (const group of groupByLabel(examples)) {
    const shuffled = [...group];
    shuffleInPlace(shuffled, random);
    const held =
      group.length < 2
        ? 0
        : Math.min(group.length - 1, Math.max(1, Math.round(group.length * testFraction)));
    test.push(...shuffled.slice(0, held));
    train.push(...shuffled.slice(held));
  }
  return { train, test };
}

/** At most `perLabel` examples of each label, chosen at random: the few-shot setting. */
export function samplePerLabel<T extends { readonly label: string }>(
  examples: readonly T[],
  perLabel: number,
  seed: number,
): T[] {
  const random = createRandom(seed);
  const sample: T[] = [];
  for (const group of groupByLabel(examples)) {
    const shuffled = [...group];
    shuffleInPlace(shuffled, random);
    sample.push(...shuffled.slice(0, perLabel));
  }
  return sample;
}
