import { bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';

/**
 * Administrative actions that leave no other trace: an erasure deletes the very rows that would
 * have recorded it, and a retention run removes rows by the thousand. Ticket-level actions
 * (approvals, edits, corrections) live in ticket_events; key creation in api_keys.
 * Rows hold ids and counts only, never the personal data the action was about.
 */
/** Actions the audit listing reads from this table (the others it reads from where they live). */
export const listedAuditActions = [
  'customer_erased',
  'retention_run',
  // People, managed on /app/people or with `cli users`: ids and roles, never passwords.
  'user_enabled',
  'user_password_reset',
  'user_role_changed',
  'user_password_changed',
  // What approvals taught drafting, forgotten by a manager (kb_answered_questions): ids only.
  'kb_lesson_forgotten',
] as const;
/**
 * Invites (and accounts made by `cli users create` or the setup page) and disables are recorded
 * here with who did them too; the listing reads them from here (an invite as `user_created`), and
 * from the users table only for accounts this log has no entry for.
 */
export const auditActions = [...listedAuditActions, 'user_invited', 'user_disabled'] as const;
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
