import type { TicketStatus } from '../../db/schema/tickets.js';

/**
 * Zendesk reports a ticket's status in several spellings: the API's `open`/`hold`, the event
 * stream's upper case (`OPEN`, `HOLD`, plus the lifecycle states `DELETED`, `ARCHIVED`,
 * `SCRUBBED`), and a trigger's `{{ticket.status}}`, which renders the label in the account's
 * language ("On-hold", "Gelöst", "En espera"). A status we cannot map must never refuse the
 * delivery: Zendesk retries refused deliveries and then deactivates the webhook, losing every
 * later ticket. So an unknown value leaves our status as it is and is kept as-is for a human.
 */
// No prototype: a status of `constructor` or `__proto__` is an unknown label, not a function.
const labels: Record<string, TicketStatus> = Object.create(null);
const add = (status: TicketStatus, ...spellings: string[]) => {
  for (const spelling of spellings) labels[normalise(spelling)] = status;
};
add('new', 'new', 'neu', 'nuevo', 'nouveau', 'novo', 'nuovo', 'nieuw', 'ny', '新規');
add('open', 'open', 'offen', 'abierto', 'ouvert', 'aberto', 'aperto', 'öppen', 'åben', 'オープン');
add(
  'pending',
  'pending',
  'wartend',
  'ausstehend',
  'pendiente',
  'en attente',
  'pendente',
  'in sospeso',
  'in afwachting',
  '保留中',
);
add(
  'hold',
  'hold',
  'on-hold',
  'on hold',
  'onhold',
  'on_hold',
  'angehalten',
  'en espera',
  'en pause',
  'em espera',
  'in attesa',
  'in de wacht',
  '待機中',
);
add(
  'solved',
  'solved',
  'gelöst',
  'resuelto',
  'résolu',
  'resolvido',
  'risolto',
  'opgelost',
  '解決済み',
);
add(
  'closed',
  'closed',
  'geschlossen',
  'cerrado',
  'clos',
  'fermé',
  'fechado',
  'chiuso',
  'gesloten',
  '終了',
  // Lifecycle states of the event stream. An archived ticket is a closed one Zendesk moved to its
  // archive (it was solved before): closed, so no new solve when we already have it solved.
  // A deleted or scrubbed ticket is gone from the helpdesk: it leaves our backlog as closed, but
  // is no resolution (see `deleted` below).
  'archived',
  'deleted',
  'scrubbed',
);
/** Deleted (in Zendesk's trash) or scrubbed (erased for good): removed, not resolved. */
const deletions = new Set(['deleted', 'scrubbed']);

function normalise(value: string): string {
  return value.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');
}

export interface ZendeskStatus {
  /** Our status, or null when the value is not one we know. */
  status: TicketStatus | null;
  /** What Zendesk sent, trimmed. */
  raw: string;
  /** The ticket was deleted or scrubbed in Zendesk: closed here, but not a solve. */
  deleted: boolean;
}

export function mapZendeskStatus(value: string): ZendeskStatus {
  const raw = value.trim().slice(0, 100);
  return { status: labels[normalise(raw)] ?? null, raw, deleted: deletions.has(normalise(raw)) };
}
