import type { Db } from '../../db/client.js';
import { addTrainingExamples, listCategories, upsertCategory } from '../../db/queries/triage.js';
import { readExamples } from '../../models/classifier/csv.js';
import { trainAndStore } from '../../pipeline/triage/classifier-store.js';
import { retireStarterCategories } from '../../pipeline/triage/taxonomy.js';
import { redactText } from '../../privacy/redact.js';

/**
 * `classifier train --csv file.csv [--text-col text] [--label-col label]`: imports labelled
 * examples (PII-redacted, as everything the models learn from), creates categories for labels the
 * taxonomy does not have yet, trains a new version and prints its evaluation. Running workers pick
 * the new version up within seconds. Importing a team's own labels retires the starter categories
 * the CSV does not use (the team's taxonomy replaces ours) unless `keepStarter`, so the new
 * version is trained without them.
 */
export async function classifierTrain(
  db: Db,
  opts: { csv?: string; textCol?: string; labelCol?: string; keepStarter?: boolean },
): Promise<void> {
  let imported = 0;
  const created: string[] = [];
  let retiredStarter: string[] = [];
  if (opts.csv) {
    const examples = await readExamples(
      opts.csv,
      (opts.textCol ?? 'text').split(','),
      opts.labelCol ?? 'label',
    );
    const known = new Set((await listCategories(db)).map((c) => c.name));
    for (const label of new Set(examples.map((e) => e.label))) {
      if (known.has(label)) continue;
      await upsertCategory(db, { name: label, description: `Imported from ${opts.csv}` });
      created.push(label);
    }
    imported = await addTrainingExamples(
      db,
      examples.map((e) => ({ text: redactText(e.text), label: e.label })),
      'csv',
    );
    if (!opts.keepStarter && examples.length > 0) {
      retiredStarter = await retireStarterCategories({ db }, new Set(examples.map((e) => e.label)));
      if (retiredStarter.length > 0) {
        console.error(
          `retired the starter categories your labels do not use: ${retiredStarter.join(', ')} (--keep-starter keeps them; re-enable any in the taxonomy admin)`,
        );
      }
    }
  }
  const result = await trainAndStore(db);
  console.log(JSON.stringify({ imported, createdCategories: created, retiredStarter, ...result }));
}
