import type { Db } from '../../db/client.js';
import { addTrainingExamples, listCategories, upsertCategory } from '../../db/queries/triage.js';
import { readLabelledRows } from '../../models/classifier/csv.js';
import { trainAndStore } from '../../pipeline/triage/classifier-store.js';
import { CATEGORY_FIELD, FIELD_NAME, normalizeFieldLabel } from '../../pipeline/triage/fields.js';
import { retireStarterCategories } from '../../pipeline/triage/taxonomy.js';
import { redactText } from '../../privacy/redact.js';

/** `--fields queue,priority=Priority` → field name → CSV column (the name itself by default). */
export function parseFieldColumns(spec: string | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of (spec ?? '').split(',')) {
    if (part.trim() === '') continue;
    const [field = '', column = field] = part.split('=').map((s) => s.trim());
    if (!FIELD_NAME.test(field) || field === CATEGORY_FIELD) {
      throw new Error(
        `--fields: "${field}" is not a field name (lower case letters, digits and _; the category is --label-col)`,
      );
    }
    fields.set(field, column);
  }
  return fields;
}

/**
 * `classifier train --csv file.csv [--text-col text] [--label-col label] [--fields queue,priority]`:
 * imports labelled examples (PII-redacted, as everything the models learn from) for the category
 * and for every other field named, creates categories for labels the taxonomy does not have yet,
 * trains new versions of every field's model and prints their evaluations. Running workers pick
 * the new versions up within seconds. With `--fields` and no `label` column, the category is left
 * as it is. Importing a team's own category labels retires the starter categories the CSV does not
 * use (the team's taxonomy replaces ours) unless `keepStarter`, so the new version is trained
 * without them.
 */
export async function classifierTrain(
  db: Db,
  opts: {
    csv?: string;
    textCol?: string;
    labelCol?: string;
    keepStarter?: boolean;
    fields?: string;
  },
): Promise<void> {
  const imported: Record<string, number> = {};
  const created: string[] = [];
  let retiredStarter: string[] = [];
  if (opts.csv) {
    const fieldColumns = parseFieldColumns(opts.fields);
    const textColumns = (opts.textCol ?? 'text').split(',').map((c) => c.trim());
    const { header } = await readLabelledRows(opts.csv, textColumns, []);
    const labelColumn =
      opts.labelCol ?? (fieldColumns.size > 0 && !header.includes('label') ? undefined : 'label');
    if (labelColumn) fieldColumns.set(CATEGORY_FIELD, labelColumn);
    const { rows } = await readLabelledRows(opts.csv, textColumns, [...fieldColumns.values()]);
    for (const [field, column] of fieldColumns) {
      const examples = rows.flatMap((row) => {
        const value = row.labels[column];
        return value === undefined
          ? []
          : [{ text: redactText(row.text), label: normalizeFieldLabel(field, value), field }];
      });
      imported[field] = await addTrainingExamples(db, examples, 'csv');
      if (field !== CATEGORY_FIELD || examples.length === 0) continue;
      const known = new Set((await listCategories(db)).map((c) => c.name));
      for (const label of new Set(examples.map((e) => e.label))) {
        if (known.has(label)) continue;
        await upsertCategory(db, { name: label, description: `Imported from ${opts.csv}` });
        created.push(label);
      }
      if (!opts.keepStarter) {
        retiredStarter = await retireStarterCategories(
          { db },
          new Set(examples.map((e) => e.label)),
        );
        if (retiredStarter.length > 0) {
          console.error(
            `retired the starter categories your labels do not use: ${retiredStarter.join(', ')} (--keep-starter keeps them; re-enable any in the taxonomy admin)`,
          );
        }
      }
    }
  }
  const result = await trainAndStore(db);
  const total = Object.values(imported).reduce((sum, n) => sum + n, 0);
  console.log(
    JSON.stringify({
      imported: total,
      importedByField: imported,
      createdCategories: created,
      retiredStarter,
      ...result,
    }),
  );
}
