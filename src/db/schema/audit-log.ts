import { bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';

/**
 * Administrative actions that leave no other trace: an erasure deletes the very rows that would
 * have recorded it, and a retention run removes rows by the thousand. Ticket-level actions
 * (approvals, edits, corrections) live in ticket_events; key creation in api_keys.
 * Rows hold ids and counts only, never the personal data the action was about.
 */
export const auditActions = ['customer_erased', 'retention_run'] as const;
export type AuditAction = (typeof auditActions)[number];
export const auditActorKinds = ['api_key', 'user', 'system', 'cli'] as const;
export type AuditActorKind = (typeof auditActorKinds)[number];

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    action: text('action').$type<AuditAction>().notNull(),
    actorKind: text('actor_kind').$type<AuditActorKind>().notNull(),
    actorId: text('actor_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_created_idx').on(t.createdAt, t.id)],
);

export type AuditLogRow = typeof auditLog.$inferSelect;
