import { z } from 'zod';
import { enqueueOutbox } from '../../db/queries/outbox.js';
import {
  deactivateCategories,
  importedLabels,
  listCategories,
  upsertCategory,
} from '../../db/queries/triage.js';
import type { Priority, TaxonomyCategory } from '../../db/schema/triage.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { starterTaxonomy } from './starter-taxonomy.js';

/**
 * A category name is the label itself: whatever a team's CSV uses ("Technical Support",
 * "Billing/Refunds", "retour") is a valid name, so every learned category can be edited. Only
 * what would break a form, a URL or a log line is refused.
 */
export const categoryNameSchema = z
  .string()
  .trim()
  .min(1, 'a category name is required')
  .max(100, 'at most 100 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'no control characters');

export const categoryOrigins = ['starter', 'imported', 'created'] as const;
export type CategoryOrigin = (typeof categoryOrigins)[number];

const starterNames = new Set(starterTaxonomy.map((c) => c.name));

export interface CategoryView {
  name: string;
  description: string;
  examples: string[];
  defaultPriority: Priority;
  active: boolean;
  /** starter: shipped with Deskpilot; imported: learned from a team's labelled data; created: by hand. */
  origin: CategoryOrigin;
}

function originOf(name: string, imported: Set<string>): CategoryOrigin {
  if (imported.has(name)) return 'imported';
  return starterNames.has(name) ? 'starter' : 'created';
}

function view(row: TaxonomyCategory, imported: Set<string>): CategoryView {
  return {
    name: row.name,
    description: row.description,
    examples: row.examples,
    defaultPriority: row.defaultPriority,
    active: row.active,
    origin: originOf(row.name, imported),
  };
}

export async function listTaxonomy(deps: Pick<Deps, 'db'>): Promise<CategoryView[]> {
  const [rows, imported] = await Promise.all([listCategories(deps.db), importedLabels(deps.db)]);
  return rows.map((row) => view(row, imported));
}

export interface CategoryChange {
  description?: string;
  examples?: string[];
  defaultPriority?: Priority;
  active?: boolean;
}

/**
 * Creates or edits any category (starter, imported or created). A change the classifier learns
 * from (examples, or a category switched on or off) schedules a retrain in the same transaction,
 * so a deactivated category stops being predicted once the worker has retrained.
 */
export async function saveCategory(
  deps: Pick<Deps, 'db'>,
  name: string,
  change: CategoryChange,
): Promise<CategoryView> {
  const before = (await listCategories(deps.db)).find((c) => c.name === name);
  const row = await withTransaction(deps.db, async (tx) => {
    const saved = await upsertCategory(tx, { name, ...change });
    const retrains =
      !before ||
      (change.active !== undefined && change.active !== before.active) ||
      (change.examples !== undefined && change.examples.join('\n') !== before.examples.join('\n'));
    if (retrains) await enqueueOutbox(tx, 'retrain', { reason: 'taxonomy' });
    return saved;
  });
  return view(row, await importedLabels(deps.db));
}

/**
 * Once a team has imported its own labelled data, the starter categories it does not use only
 * compete with its labels. Deactivates every starter category that is not also one of the
 * team's labels (`keep`) and returns the names retired. The caller retrains.
 */
export async function retireStarterCategories(
  deps: Pick<Deps, 'db'>,
  keep: Iterable<string>,
): Promise<string[]> {
  const kept = new Set(keep);
  return deactivateCategories(
    deps.db,
    [...starterNames].filter((name) => !kept.has(name)),
  );
}

/**
 * The admin's "retire the starter categories" action: retires those the team's imported labels do
 * not use and schedules a retrain in the same transaction.
 */
export async function retireUnusedStarterCategories(deps: Pick<Deps, 'db'>): Promise<string[]> {
  const keep = await importedLabels(deps.db);
  const retired = await withTransaction(deps.db, async (tx) => {
    const names = await retireStarterCategories({ db: tx }, keep);
    if (names.length > 0) await enqueueOutbox(tx, 'retrain', { reason: 'taxonomy' });
    return names;
  });
  return retired;
}
