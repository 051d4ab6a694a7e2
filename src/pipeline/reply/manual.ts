import type { Actor } from '../../auth/actor.js';
import { actorLabel, actorNames } from '../../auth/actor-names.js';
import { canAccessTicket } from '../../auth/team-scope.js';
import {
  type ColleagueReply,
  deletePendingDelivery,
  findDraftByIdempotencyKey,
  getDeliveryForDraft,
  insertDraft,
  latestReplyByOthersSince,
  lockOpenAiDrafts,
  transitionDraft,
} from '../../db/queries/drafts.js';
import { cancelPendingDeliverJob } from '../../db/queries/outbox.js';
import {
  getTicket,
  insertMessage,
  listMessages,
  lockTicket,
  recordTicketEvent,
} from '../../db/queries/tickets.js';
import type { Citation, Delivery, Draft } from '../../db/schema/drafts.js';
import type { Message } from '../../db/schema/messages.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { publishAfterCommit } from '../../live/events.js';
import { type NoReplyRoute, noReplyRoute, scheduleDelivery } from '../deliver/schedule.js';
import { wordCount } from '../review/edits.js';
import { learnFromApproval } from '../review/learn.js';

type ReplyDeps = Pick<Deps, 'db' | 'config' | 'live' | 'log'>;

export type ManualReplyFailure = 'not_found' | 'automated' | 'idempotency_conflict';
export type ManualReplyResult =
  | { ok: true; draft: Draft; delivery: Delivery | null; replayed: boolean }
  | { ok: false; reason: ManualReplyFailure }
  /** The ticket has no way to reach its customer: the reply could only be held. */
  | { ok: false; reason: 'no_reply_route'; route: NoReplyRoute }
  /**
   * An approved draft of this ticket is past its undo window (being sent, or its send ended in
   * an uncertain state): sending this reply too could answer the customer twice.
   */
  | { ok: false; reason: 'draft_in_flight'; draft: Draft; delivery: Delivery | null }
  /**
   * Agent collision: another agent's reply (written by hand, an approved Deskpilot draft, or a
   * public comment in the helpdesk) came after the agent read the ticket. Nothing was written;
   * `force` sends anyway.
   */
  | { ok: false; reason: 'collision'; reply: ColleagueReply };

/** Thrown inside the transaction to roll it back when a colleague replied meanwhile. */
class Collision extends Error {
  constructor(readonly reply: ColleagueReply) {
    super('another agent replied to this ticket');
  }
}

/**
 * What an agent is told when a colleague replied first: who, how long ago, and what to do. The
 * author is recorded by email from the inbox pages, by key id from the API (`sendManualReply`
 * turns that into the key's name); a helpdesk comment by its author's name there.
 */
export function collisionWording(reply: ColleagueReply, now = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - reply.at.getTime()) / 1000));
  const ago =
    seconds < 90
      ? `${seconds} s`
      : seconds < 90 * 60
        ? `${Math.round(seconds / 60)} min`
        : `${Math.round(seconds / 3600)} h`;
  const who = reply.by ?? (reply.source === 'helpdesk' ? 'An agent' : 'Deskpilot');
  const what =
    reply.source === 'helpdesk'
      ? 'replied in the helpdesk'
      : reply.pending
        ? 'replied (still in its undo window)'
        : 'replied';
  return `${who} ${what} ${ago} ago — read it, then send anyway or discard`;
}

/** Thrown inside the transaction to roll it back when an approved draft can no longer be stopped. */
class DraftInFlight extends Error {
  constructor(
    readonly draft: Draft,
    readonly delivery: Delivery | null,
  ) {
    super('an approved draft of this ticket is being delivered');
  }
}

/**
 * Retires what the hand-written reply replaces, in its transaction: a Deskpilot draft pending
 * approval is superseded; one approved but still waiting out its undo window loses its delivery
 * and `deliver` job (the same compare-and-set on `pending` an undo uses) and is superseded too.
 * An approved draft whose send has started cannot be stopped: the reply is refused instead, so
 * the customer never gets both. Returns the retired drafts' ids (an undo of this reply restores
 * them).
 */
async function retireAiDrafts(tx: ReplyDeps['db'], openDrafts: Draft[]): Promise<string[]> {
  const retired: string[] = [];
  for (const open of openDrafts) {
    if (open.status === 'approved') {
      const delivery = await deletePendingDelivery(tx, open.id);
      if (!delivery) throw new DraftInFlight(open, await getDeliveryForDraft(tx, open.id));
      await cancelPendingDeliverJob(tx, delivery.id);
    }
    const row = await transitionDraft(
      tx,
      open.id,
      { status: open.status },
      { status: 'superseded' },
    );
    if (row) retired.push(row.id);
  }
  return retired;
}

/** The SQLSTATE of a database error, wherever the driver or drizzle put it. */
function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

async function replay(
  db: ReplyDeps['db'],
  existing: Draft,
  text: string,
): Promise<ManualReplyResult> {
  // The same key with another text is a client bug, not a retry: refuse rather than guess.
  if ((existing.finalText ?? existing.bodyText) !== text) {
    return { ok: false, reason: 'idempotency_conflict' };
  }
  return {
    ok: true,
    draft: existing,
    delivery: await getDeliveryForDraft(db, existing.id),
    replayed: true,
  };
}

/**
 * A reply an agent wrote by hand, sent through the same exactly-once path as an approved draft:
 * it is stored as a draft of kind `manual`, approved by its author, with a delivery row (unique per
 * draft) and a `deliver` job in the same transaction — so `deliver` applies the same threading,
 * recipient checks, daily cap and automated-mail block, and a crash mid-send is the same
 * `uncertain` state with the same alert. Like an approval it waits out the undo window
 * (`SEND_DELAY_SECONDS`; POST /api/drafts/{id}/undo takes it back). A Deskpilot draft still pending
 * for the ticket, or approved but still inside its own undo window, is retired in the same
 * transaction (`retireAiDrafts`): the agent answered instead, and the two can never both be sent.
 *
 * `idempotencyKey` makes a repeated request (a double submit, a client retry after a timeout)
 * answer with the first reply instead of sending a second one; the key with a different text is
 * refused. The ticket's draft state becomes `sending`, so it leaves "Needs a human reply".
 * Another team's ticket answers exactly like a missing one (checked before the key is looked up,
 * so a key cannot confirm that the ticket exists).
 *
 * Agent collision: `seenAt` is when the agent read the ticket (the page render, or the API
 * client's read). A reply of another agent after it — written by hand, or a Deskpilot draft
 * they approved, sent or still in its undo window, or a public comment they made in the helpdesk
 * (Zendesk, arriving through its webhook) — refuses this one (`collision`), unless `force`. The check runs in the transaction after the ticket row is locked, so two agents
 * sending at the same moment take turns and the second sees the first. Without `seenAt` (older
 * API clients) there is no check.
 */
export async function sendManualReply(
  deps: ReplyDeps,
  input: {
    ticketId: string;
    actor: Actor;
    text: string;
    idempotencyKey: string;
    citations?: Citation[];
    seenAt?: Date;
    force?: boolean;
  },
): Promise<ManualReplyResult> {
  const text = input.text.replace(/\r\n?/g, '\n').trim();
  if (!(await canAccessTicket(deps.db, input.actor, input.ticketId))) {
    return { ok: false, reason: 'not_found' };
  }
  for (let attempt = 0; ; attempt++) {
    const existing = await findDraftByIdempotencyKey(deps.db, input.ticketId, input.idempotencyKey);
    if (existing) return replay(deps.db, existing, text);
    const ticket = await getTicket(deps.db, input.ticketId);
    if (!ticket) return { ok: false, reason: 'not_found' };
    // Deskpilot never answers bounces and auto-replies; `deliver` would block it, but saying so
    // now is clearer than a failed delivery.
    if (ticket.automated) return { ok: false, reason: 'automated' };
    const route = noReplyRoute(deps.config, ticket);
    if (route) return { ok: false, reason: 'no_reply_route', route };
    const lastInbound = (await listMessages(deps.db, ticket.id))
      .filter((m) => m.direction === 'inbound')
      .at(-1);
    try {
      return await withTransaction(deps.db, async (tx) => {
        // Drafts first, then the ticket: the order an approval takes them (draft row, then the
        // ticket's draft state), so the two never deadlock.
        const openDrafts = await lockOpenAiDrafts(tx, ticket.id);
        await lockTicket(tx, ticket.id);
        const other = input.seenAt
          ? await latestReplyByOthersSince(tx, ticket.id, {
              since: input.seenAt,
              actor: input.actor.id,
            })
          : null;
        if (other && !input.force) throw new Collision(other);
        const superseded = await retireAiDrafts(tx, openDrafts);
        const draft = await insertDraft(tx, {
          ticketId: ticket.id,
          messageId: lastInbound?.id ?? null,
          kind: 'manual',
          status: 'approved',
          bodyText: text,
          finalText: text,
          citations: input.citations ?? [],
          model: 'agent',
          confidence: 1,
          decidedBy: input.actor.id,
          decidedAt: new Date(),
          wordsSent: wordCount(text),
          idempotencyKey: input.idempotencyKey,
        });
        const delivery = await scheduleDelivery(tx, deps.config, ticket, draft, {
          sendAfterSeconds: deps.config.SEND_DELAY_SECONDS,
        });
        await recordTicketEvent(tx, {
          ticketId: ticket.id,
          type: 'replied',
          actorKind: 'agent',
          actorId: input.actor.id,
          data: {
            draftId: draft.id,
            version: draft.version,
            words: draft.wordsSent,
            citations: draft.citations.length,
            // What this reply retired; undoing it puts them back (review/undo.ts).
            superseded,
            // Sent anyway over a colleague's reply: which one, for the audit trail.
            ...(other ? { collidedWith: other.id, collidedWithSource: other.source } : {}),
          },
        });
        // Drafts it retired leave open inbox queues; the reply itself is decided.
        publishAfterCommit(
          deps.live,
          tx,
          ...superseded.map((draftId) => ({
            type: 'draft.decided' as const,
            draftId,
            ticketId: ticket.id,
            status: 'superseded',
          })),
          { type: 'draft.decided', draftId: draft.id, ticketId: ticket.id, status: draft.status },
        );
        return { ok: true as const, draft, delivery, replayed: false };
      }).then(async (sent) => {
        // An article the agent inserted with its citation answers this question: drafting learns
        // it (review/learn.ts), once the reply is committed.
        await learnFromApproval(deps, sent.draft);
        return sent;
      });
    } catch (err) {
      if (err instanceof Collision) {
        // Who replied as people know them: an API key by its name, not the id it is recorded by.
        const { by } = err.reply;
        const names = await actorNames(deps.db, [by]);
        const reply = { ...err.reply, by: by && actorLabel(by, names) };
        return { ok: false, reason: 'collision', reply };
      }
      if (err instanceof DraftInFlight) {
        return { ok: false, reason: 'draft_in_flight', draft: err.draft, delivery: err.delivery };
      }
      // A concurrent request with the same key (it committed first: replay it), or a draft
      // written for the ticket at the same moment took our version number (try again).
      if (sqlState(err) !== '23505' || attempt >= 2) throw err;
    }
  }
}

/**
 * An internal note: kept on the ticket for the team, never sent to the customer. Another team's
 * ticket answers like a missing one. Open pages of the ticket are told once it has committed.
 */
export async function addInternalNote(
  deps: Pick<Deps, 'db' | 'live'>,
  input: { ticketId: string; actor: Actor; actorEmail?: string | null; text: string },
): Promise<{ ok: true; message: Message } | { ok: false; reason: 'not_found' }> {
  const text = input.text.replace(/\r\n?/g, '\n').trim();
  if (!(await canAccessTicket(deps.db, input.actor, input.ticketId))) {
    return { ok: false, reason: 'not_found' };
  }
  const ticket = await getTicket(deps.db, input.ticketId);
  if (!ticket) return { ok: false, reason: 'not_found' };
  return withTransaction(deps.db, async (tx) => {
    const message = await insertMessage(tx, {
      ticketId: ticket.id,
      direction: 'outbound',
      authorKind: 'agent',
      authorEmail: input.actorEmail ?? null,
      authorName: input.actor.id,
      public: false,
      bodyText: text,
      strippedText: text,
    });
    await recordTicketEvent(tx, {
      ticketId: ticket.id,
      type: 'note_added',
      actorKind: 'agent',
      actorId: input.actor.id,
      data: { messageId: message.id },
    });
    publishAfterCommit(deps.live, tx, {
      type: 'ticket.changed',
      ticketId: ticket.id,
      change: 'noted',
    });
    return { ok: true as const, message };
  });
}
