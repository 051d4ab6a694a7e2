import { pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns.js';

export const roles = ['integration', 'agent', 'manager', 'admin'] as const;
export type Role = (typeof roles)[number];

/** API keys are stored as a scrypt hash; the public prefix finds the row without scanning. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    role: text('role').$type<Role>().notNull(),
    teamId: text('team_id'),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_keys_prefix_uq').on(t.prefix)],
);

export type ApiKey = typeof apiKeys.$inferSelect;
