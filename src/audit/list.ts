import type { Db } from '../db/client.js';
import {
  type ActionFilter,
  type ActionName,
  type AiInteractionFilter,
  type AuditCursor,
  listActions,
  listAiInteractions,
} from '../db/queries/audit.js';
import { redactText } from '../privacy/redact.js';

/**
 * The audit listings. What a manager may see here is decided once, in this file:
 *
 * - ids, timestamps, models, prompt versions, latencies, token counts, labels and scores: yes;
 * - customer text: never. Audit rows do not store message bodies, but model outputs and a few
 *   agent-written fields can quote the customer, so every free-text string in them is withheld
 *   (`[text]`) — except for admins, who get model outputs with personal data redacted;
 * - reject reasons and regeneration instructions (written by agents about a draft) are shown,
 *   with personal data (emails, phones, cards, …) redacted.
 */

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function encodeCursor(cursor: AuditCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.key])).toString('base64url');
}

const EXACT_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Null when the value is not a cursor this API handed out (keyPattern: the listing's keys). */
export function decodeCursor(raw: string, keyPattern: RegExp): AuditCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, key] = value as unknown[];
    if (typeof at !== 'string' || !EXACT_AT.test(at)) return null;
    if (typeof key !== 'string' || !keyPattern.test(key)) return null;
    return { at, key };
  } catch {
    return null;
  }
}

export const aiInteractionCursorKey =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const actionCursorKey = /^(e:\d{19}|a:\d{19}|[ku]:[0-9a-f-]{36}:[cx])$/;

/** Identifiers, labels, model names: short strings without spaces. Anything else may be prose. */
const TOKEN = /^[\w.:/+-]{0,120}$/;

/** Keeps numbers, booleans and identifier-like strings; any other string becomes `[text]`. */
export function withoutText(value: unknown): unknown {
  if (typeof value === 'string')
    return TOKEN.test(value) && !value.includes('@') ? value : '[text]';
  if (Array.isArray(value)) return value.map(withoutText);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutText(v)]));
  }
  return value;
}

function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactStrings);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)]));
  }
  return value;
}

function page<T, R>(
  rows: R[],
  limit: number,
  view: (row: R) => T,
  cursor: (row: R) => AuditCursor,
) {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept.at(-1);
  return {
    items: kept.map(view),
    nextCursor: more && last ? encodeCursor(cursor(last)) : null,
  };
}

export interface AiInteractionView {
  id: string;
  ticketId: string | null;
  kind: string;
  model: string;
  promptVersion: string | null;
  latencyMs: number;
  promptTokens: number | null;
  completionTokens: number | null;
  inputRefs: unknown;
  output: unknown;
  createdAt: string;
}

export async function auditAiInteractions(
  db: Db,
  filter: Omit<AiInteractionFilter, 'limit'> & { limit: number },
  opts: { fullOutput: boolean },
): Promise<Page<AiInteractionView>> {
  const rows = await listAiInteractions(db, { ...filter, limit: filter.limit + 1 });
  return page(
    rows,
    filter.limit,
    (r) => ({
      id: r.id,
      ticketId: r.ticketId,
      kind: r.step,
      model: r.model,
      promptVersion: r.promptVersion,
      latencyMs: r.latencyMs,
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      inputRefs: withoutText(r.inputRefs),
      output: opts.fullOutput ? redactStrings(r.output) : withoutText(r.output),
      createdAt: r.at,
    }),
    (r) => ({ at: r.at, key: r.id }),
  );
}

export interface ActionView {
  id: string;
  action: ActionName;
  at: string;
  actor: { kind: string; id: string | null; name: string | null };
  ticketId: string | null;
  details: Record<string, unknown>;
}

/** The fields each action may show; anything else a row's data holds stays out. */
const detailFields: Record<ActionName, readonly string[]> = {
  approved: ['draftId', 'version', 'editDistance', 'words', 'auto'],
  edited: ['draftId', 'version', 'editDistance', 'words', 'auto'],
  rejected: ['draftId', 'version', 'reason'],
  regenerated: ['draftId', 'version', 'instructions'],
  claimed: ['draftId'],
  triage_corrected: ['from', 'to', 'confidence', 'fields'],
  delivery_retried: ['deliveryId', 'from'],
  customer_erased: [
    'tickets',
    'inboxEvents',
    'outboxRows',
    'mentionsRedacted',
    'derivedRowsRedacted',
  ],
  retention_run: ['dryRun', 'tickets', 'ticketContent', 'aiInteractions', 'inboxEvents', 'outbox'],
  api_key_created: ['keyId', 'name', 'role'],
  api_key_revoked: ['keyId', 'name', 'role'],
  user_created: ['userId', 'name', 'role'],
  user_disabled: ['userId', 'name', 'role'],
  user_enabled: ['userId', 'role'],
  user_password_reset: ['userId', 'role', 'sessionsEnded'],
  user_role_changed: ['userId', 'from', 'to'],
  user_password_changed: ['userId', 'sessionsEnded'],
  kb_lesson_forgotten: ['articleId', 'lessonId', 'ticketId', 'rejectedDraftId'],
};
/** Written by agents; shown, with personal data redacted. */
const agentText = new Set(['reason', 'instructions']);

export async function auditActions(db: Db, filter: ActionFilter): Promise<Page<ActionView>> {
  const rows = await listActions(db, { ...filter, limit: filter.limit + 1 });
  return page(
    rows,
    filter.limit,
    (r) => ({
      id: r.key,
      action: r.action,
      at: r.at,
      actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
      ticketId: r.ticket_id,
      details: Object.fromEntries(
        (detailFields[r.action] ?? [])
          .filter((field) => r.data?.[field] !== undefined)
          .map((field) => {
            const value = r.data[field];
            if (agentText.has(field) && typeof value === 'string') {
              return [field, redactText(value)];
            }
            // Staff names are shown as they are; other strings are held to the token rule.
            return [field, field === 'name' ? value : withoutText(value)];
          }),
      ),
    }),
    (r) => ({ at: r.at, key: r.key }),
  );
}
