import { and, asc, desc, eq, inArray, isNull, not, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  aiInteractions,
  CATEGORY_FIELD,
  classifierModels,
  type FieldDecision,
  type Priority,
  type RoutingRule,
  type RuleActions,
  type RuleConditions,
  routingRules,
  type TrainingSource,
  taxonomyCategories,
  ticketTriage,
  trainingExamples,
} from '../schema/triage.js';
import { insertRowsSql } from './combined.js';

/** What a fresh install starts with (the pipeline's starter taxonomy and routing rules). */
export interface StarterData {
  taxonomy: (typeof taxonomyCategories.$inferInsert)[];
  rules: {
    name: string;
    conditions: RuleConditions;
    actions: RuleActions;
    continueMatching?: boolean;
  }[];
}

/** Seeds the starter taxonomy and routing rules once; later edits are never overwritten. */
export async function ensureStarterData(db: Db, starter: StarterData): Promise<void> {
  const [{ n } = { n: 0 }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(taxonomyCategories);
  if (n === 0) {
    await db
      .insert(taxonomyCategories)
      .values(starter.taxonomy)
      .onConflictDoNothing({ target: taxonomyCategories.name });
  }
  const [{ r } = { r: 0 }] = await db.select({ r: sql<number>`count(*)::int` }).from(routingRules);
  if (r === 0) {
    await db.insert(routingRules).values(
      starter.rules.map((rule, i) => ({
        position: (i + 1) * 10,
        name: rule.name,
        conditions: rule.conditions,
        actions: rule.actions,
        continueMatching: rule.continueMatching ?? false,
      })),
    );
  }
}

export async function listCategories(db: Db, opts: { activeOnly?: boolean } = {}) {
  return db
    .select()
    .from(taxonomyCategories)
    .where(opts.activeOnly ? eq(taxonomyCategories.active, true) : undefined)
    .orderBy(asc(taxonomyCategories.name));
}

export async function upsertCategory(
  db: Db,
  category: {
    name: string;
    description?: string;
    examples?: string[];
    defaultPriority?: 'low' | 'normal' | 'high' | 'urgent';
    active?: boolean;
  },
) {
  const [row] = await db
    .insert(taxonomyCategories)
    .values(category)
    .onConflictDoUpdate({
      target: taxonomyCategories.name,
      set: {
        ...(category.description !== undefined ? { description: category.description } : {}),
        ...(category.examples !== undefined ? { examples: category.examples } : {}),
        ...(category.defaultPriority ? { defaultPriority: category.defaultPriority } : {}),
        ...(category.active !== undefined ? { active: category.active } : {}),
        updatedAt: sql`now()`,
      },
    })
    .returning();
  return row!;
}

export async function listRoutingRules(db: Db): Promise<RoutingRule[]> {
  return db
    .select()
    .from(routingRules)
    .orderBy(asc(routingRules.position), asc(routingRules.createdAt));
}

/** Replaces the whole ordered rule list atomically (the admin API edits rules as a list). */
export async function replaceRoutingRules(
  db: Db,
  rules: {
    name: string;
    enabled?: boolean;
    conditions: RuleConditions;
    actions: RuleActions;
    continueMatching?: boolean;
  }[],
): Promise<RoutingRule[]> {
  return db.transaction(async (tx) => {
    await tx.delete(routingRules);
    if (rules.length === 0) return [];
    return tx
      .insert(routingRules)
      .values(
        rules.map((rule, i) => ({
          position: (i + 1) * 10,
          name: rule.name,
          enabled: rule.enabled ?? true,
          conditions: rule.conditions,
          actions: rule.actions,
          continueMatching: rule.continueMatching ?? false,
        })),
      )
      .returning();
  });
}

export async function addTrainingExamples(
  db: Db,
  examples: { text: string; label: string; field?: string }[],
  source: TrainingSource,
): Promise<number> {
  if (examples.length === 0) return 0;
  let added = 0;
  // Chunked so a 10k-row CSV import stays within parameter limits.
  for (let i = 0; i < examples.length; i += 1_000) {
    const rows = await db
      .insert(trainingExamples)
      .values(examples.slice(i, i + 1_000).map((e) => ({ ...e, source })))
      .returning({ id: trainingExamples.id });
    added += rows.length;
  }
  return added;
}

/** An agent's correction is one example per ticket and field: correcting again replaces it. */
export async function upsertCorrectionExample(
  db: Db,
  example: { ticketId: string; text: string; label: string; field?: string },
): Promise<void> {
  await db
    .insert(trainingExamples)
    .values({ ...example, field: example.field ?? CATEGORY_FIELD, source: 'correction' })
    .onConflictDoUpdate({
      target: [trainingExamples.ticketId, trainingExamples.field],
      set: { label: example.label, text: example.text, createdAt: sql`now()` },
    });
}

export async function listTrainingExamples(db: Db, field: string = CATEGORY_FIELD) {
  return db
    .select({
      text: trainingExamples.text,
      label: trainingExamples.label,
      source: trainingExamples.source,
    })
    .from(trainingExamples)
    .where(eq(trainingExamples.field, field))
    .orderBy(asc(trainingExamples.createdAt), asc(trainingExamples.id));
}

export async function newestTrainingExampleAt(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | null>`max(${trainingExamples.createdAt})` })
    .from(trainingExamples);
  return row?.at ? new Date(row.at) : null;
}

/** Fields other than the category that have labelled examples, with how many. */
export async function listLabelledFields(db: Db): Promise<{ field: string; examples: number }[]> {
  return db
    .select({ field: trainingExamples.field, examples: sql<number>`count(*)::int` })
    .from(trainingExamples)
    .where(not(eq(trainingExamples.field, CATEGORY_FIELD)))
    .groupBy(trainingExamples.field)
    .orderBy(trainingExamples.field);
}

export async function latestClassifierVersion(
  db: Db,
  field: string = CATEGORY_FIELD,
): Promise<{ version: number; createdAt: Date } | null> {
  const [row] = await db
    .select({ version: classifierModels.version, createdAt: classifierModels.createdAt })
    .from(classifierModels)
    .where(and(eq(classifierModels.active, true), eq(classifierModels.field, field)))
    .orderBy(desc(classifierModels.version))
    .limit(1);
  return row ?? null;
}

/** The newest active model version of every field that has one. */
export async function latestClassifierVersions(
  db: Db,
): Promise<{ field: string; version: number }[]> {
  return db
    .selectDistinctOn([classifierModels.field], {
      field: classifierModels.field,
      version: classifierModels.version,
    })
    .from(classifierModels)
    .where(eq(classifierModels.active, true))
    .orderBy(classifierModels.field, desc(classifierModels.version));
}

export async function getClassifierModel(db: Db, version: number) {
  const [row] = await db
    .select()
    .from(classifierModels)
    .where(eq(classifierModels.version, version))
    .limit(1);
  return row ?? null;
}

export async function insertClassifierModel(
  db: Db,
  values: {
    field?: string;
    algorithm: string;
    featureVersion: string;
    labels: string[];
    trainedOn: number;
    metrics: Record<string, unknown>;
    model: unknown;
  },
) {
  const [row] = await db.insert(classifierModels).values(values).returning({
    version: classifierModels.version,
    createdAt: classifierModels.createdAt,
  });
  return row!;
}

export async function listClassifierModels(db: Db, limit = 20) {
  return db
    .select({
      version: classifierModels.version,
      field: classifierModels.field,
      algorithm: classifierModels.algorithm,
      featureVersion: classifierModels.featureVersion,
      labels: classifierModels.labels,
      trainedOn: classifierModels.trainedOn,
      metrics: classifierModels.metrics,
      active: classifierModels.active,
      createdAt: classifierModels.createdAt,
    })
    .from(classifierModels)
    .orderBy(desc(classifierModels.version))
    .limit(limit);
}

export type TriageValues = typeof ticketTriage.$inferInsert;

export async function saveTriage(db: Db, values: TriageValues): Promise<void> {
  await db.execute(saveTriageQuery(values));
}

/**
 * `saveTriage`, not yet run; returns the ticket id when it wrote. With `onceFor`, a triage of that
 * customer message already on the ticket is left alone and nothing is returned: as the gate of a
 * combined write (`writeAllIf`), a re-run of one message's triage writes nothing. Two runs at once
 * take turns on the row (ON CONFLICT waits for the other's commit, then sees its row).
 */
export function saveTriageQuery(values: TriageValues, options: { onceFor?: string } = {}): SQL {
  const { statement, columns } = insertRowsSql(ticketTriage, [values]);
  // A re-triage (new customer message) refreshes the prediction but keeps a correction: the
  // columns given, as this insert proposed them.
  const set = columns
    .filter((name) => name !== 'ticket_id' && name !== 'updated_at')
    .map((name) => `"${name}" = excluded."${name}"`)
    .concat('updated_at = now()')
    .join(', ');
  const once = options.onceFor
    ? sql` where ${ticketTriage.messageId} is distinct from ${options.onceFor}::uuid`
    : sql``;
  return sql`${statement} on conflict (ticket_id) do update set ${sql.raw(set)}${once}
    returning ticket_id`;
}

export async function getTriage(db: Db, ticketId: string) {
  const [row] = await db
    .select()
    .from(ticketTriage)
    .where(eq(ticketTriage.ticketId, ticketId))
    .limit(1);
  return row ?? null;
}

/**
 * Team scoping (see `src/auth/team-scope.ts`): a ticket is visible to `team` when triage routed it
 * there, or routed it to no team, or has not triaged it yet (no row; callers left-join
 * ticket_triage). Unrouted tickets stay visible to every agent because nobody else would pick
 * them up. This condition is the one definition of that rule in SQL; lists and the single-ticket
 * check below both use it.
 */
export function visibleToTeam(team: string): SQL {
  return or(isNull(ticketTriage.team), eq(ticketTriage.team, team))!;
}

/** True when the ticket is routed to a team other than `team` (a missing ticket is not). */
export async function isRoutedElsewhere(db: Db, ticketId: string, team: string): Promise<boolean> {
  const [row] = await db
    .select({ ticketId: ticketTriage.ticketId })
    .from(ticketTriage)
    .where(and(eq(ticketTriage.ticketId, ticketId), not(visibleToTeam(team))))
    .limit(1);
  return row !== undefined;
}

export async function recordCorrection(
  db: Db,
  ticketId: string,
  correction: { category: string; by: string },
): Promise<boolean> {
  const rows = await db
    .update(ticketTriage)
    .set({
      correctedCategory: correction.category,
      correctedBy: correction.by,
      updatedAt: sql`now()`,
    })
    .where(eq(ticketTriage.ticketId, ticketId))
    .returning({ ticketId: ticketTriage.ticketId });
  return rows.length > 0;
}

/**
 * An agent's correction of a field other than the category: the field's decision becomes the
 * agent's, and the priority and queue columns (what lists, SLAs and write-back read) follow it.
 */
export async function recordFieldCorrection(
  db: Db,
  ticketId: string,
  field: string,
  decision: FieldDecision,
): Promise<void> {
  await db
    .update(ticketTriage)
    .set({
      fields: sql`${ticketTriage.fields} || jsonb_build_object(${field}::text, ${JSON.stringify(decision)}::jsonb)`,
      ...(field === 'priority' ? { priority: decision.value as Priority } : {}),
      ...(field === 'queue' ? { queue: decision.value } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(ticketTriage.ticketId, ticketId));
}

export type NewAiInteraction = typeof aiInteractions.$inferInsert;

export async function insertAiInteraction(db: Db, values: NewAiInteraction) {
  await db.insert(aiInteractions).values(values);
}

/** Several audit rows as one insert, for a combined write (`writeAll`); null when there are none. */
export function aiInteractionsInsert(db: Db, rows: readonly NewAiInteraction[]) {
  return rows.length ? db.insert(aiInteractions).values([...rows]) : null;
}

export async function listAiInteractions(db: Db, ticketId: string) {
  return db
    .select()
    .from(aiInteractions)
    .where(eq(aiInteractions.ticketId, ticketId))
    .orderBy(asc(aiInteractions.createdAt));
}

/** Labels that have imported (CSV or import) training examples: categories a team taught us. */
export async function importedLabels(db: Db): Promise<Set<string>> {
  const rows = await db
    .selectDistinct({ label: trainingExamples.label })
    .from(trainingExamples)
    .where(or(eq(trainingExamples.source, 'csv'), eq(trainingExamples.source, 'import')));
  return new Set(rows.map((r) => r.label));
}

/** Deactivates the named categories that are active; returns the names it changed. */
export async function deactivateCategories(db: Db, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db
    .update(taxonomyCategories)
    .set({ active: false, updatedAt: sql`now()` })
    .where(and(eq(taxonomyCategories.active, true), inArray(taxonomyCategories.name, names)))
    .returning({ name: taxonomyCategories.name });
  return rows.map((r) => r.name).sort();
}
