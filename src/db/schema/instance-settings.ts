import { pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';

/**
 * Values a deployment makes once and keeps, by name: the `user:password` pair the first-run
 * checklist suggests for INBOUND_BASIC_AUTH stays the same across page loads and restarts until
 * it is configured. Not configuration (that is the environment), and never logged.
 */
export const instanceSettings = pgTable('instance_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});
