import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { LabelledText } from '../../../src/models/classifier/index.js';

// ../shared beside the checkout, as CI lays it out (not an absolute path of one machine).
const CLINC_DIR = path.resolve(
  import.meta.dirname,
  '../../../../shared/data/classification/clinc150',
);

function readCsv(path: string): LabelledText[] {
  const rows: { text: string; label: string }[] = parse(readFileSync(path), { columns: true });
  return rows.map(({ text, label }) => ({ text, label }));
}

/**
 * Twenty CLINC150 intents (every seventh in name order, so several domains are represented),
 * with their full train (100 each) and test (30 each) examples.
 */
export function loadClincSubset(labelCount = 20): { train: LabelledText[]; test: LabelledText[] } {
  const train = readCsv(`${CLINC_DIR}/train.csv`);
  const test = readCsv(`${CLINC_DIR}/test.csv`);
  const labels = [...new Set(train.map((example) => example.label))].sort();
  const chosen = new Set(labels.filter((_, index) => index % 7 === 0).slice(0, labelCount));
  return {
    train: train.filter((example) => chosen.has(example.label)),
    test: test.filter((example) => chosen.has(example.label)),
  };
}
