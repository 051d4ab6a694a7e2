import { bigint, integer, pgTable } from 'drizzle-orm/pg-core';

/**
 * One row (id = 1) whose `version` triggers bump on every change to the settings the pipeline
 * reads per ticket: the taxonomy, routing rules, embedding models and auto-send policies
 * (migration 0020). Jobs read it with their ticket and reuse their cached settings while it is
 * unchanged (src/db/settings-cache.ts).
 */
export const settingsVersion = pgTable('settings_version', {
  id: integer('id').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull().default(1),
});
