import type { Actor } from '../../auth/actor.js';
import { getDraftInScope, getDraftWithTicketInScope } from '../../auth/team-scope.js';
import { claimDraft, getDraft, recordApproval, transitionDraft } from '../../db/queries/drafts.js';
import { enqueueOutbox } from '../../db/queries/outbox.js';
import { recordTicketEvent } from '../../db/queries/tickets.js';
import type { Delivery, Draft } from '../../db/schema/drafts.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { draftChanged, publishAfterCommit } from '../../live/events.js';
import { deliveryTarget, type NoReplyRoute, noReplyRoute } from '../deliver/schedule.js';
import { editDiff, wordCount, wordEditDistance } from './edits.js';
import { forgetLessonOfDraft, learnFromApproval } from './learn.js';

export type ReviewFailure =
  | 'not_found'
  | 'conflict'
  | 'claimed_by_other'
  | 'not_pending'
  /** An abstained draft's holding text, approved unchanged without `holdingReply`. */
  | 'holding_reply';
export type ReviewResult =
  /** `delivery`: the delivery an approval just scheduled, when the action returns it. */
  | { ok: true; draft: Draft; delivery?: Delivery | null }
  | { ok: false; reason: ReviewFailure; draft?: Draft }
  /** Approving would send into nothing: the ticket has no way to reach its customer. */
  | { ok: false; reason: 'no_reply_route'; draft: Draft; route: NoReplyRoute };

type ReviewDeps = Pick<Deps, 'db' | 'config' | 'live' | 'log'>;

/**
 * Tells open inbox pages, once the decision is committed, that a draft left the queue; every door
 * (inbox form, API, auto-send) goes through here, so none can forget it.
 */
function publishDecision(deps: ReviewDeps, tx: ReviewDeps['db'], draft: Draft): void {
  publishAfterCommit(deps.live, tx, {
    type: 'draft.decided',
    draftId: draft.id,
    ticketId: draft.ticketId,
    status: draft.status,
  });
}

/** Why a compare-and-set failed, for a precise 404/409 answer. */
async function explain(
  db: ReviewDeps['db'],
  draftId: string,
  actorId: string,
  ttl: number,
): Promise<ReviewResult> {
  const current = await getDraft(db, draftId);
  if (!current) return { ok: false, reason: 'not_found' };
  if (current.status !== 'pending_approval')
    return { ok: false, reason: 'not_pending', draft: current };
  if (
    current.claimedBy &&
    current.claimedBy !== actorId &&
    current.claimedAt &&
    Date.now() - current.claimedAt.getTime() < ttl * 1000
  ) {
    return { ok: false, reason: 'claimed_by_other', draft: current };
  }
  return { ok: false, reason: 'conflict', draft: current };
}

const claimGuard = (ttl: number, actorId: string) => (d: Draft) =>
  !d.claimedBy ||
  d.claimedBy === actorId ||
  !d.claimedAt ||
  Date.now() - d.claimedAt.getTime() >= ttl * 1000;

export async function claim(
  deps: ReviewDeps,
  input: { draftId: string; actor: Actor },
): Promise<ReviewResult> {
  const ttl = deps.config.CLAIM_TTL_SECONDS;
  if (!(await getDraftInScope(deps.db, input.actor, input.draftId))) {
    return { ok: false, reason: 'not_found' };
  }
  const actorId = input.actor.id;
  return withTransaction(deps.db, async (tx) => {
    const row = await claimDraft(tx, input.draftId, actorId, ttl);
    if (!row) return explain(tx, input.draftId, actorId, ttl);
    await recordTicketEvent(tx, {
      ticketId: row.ticketId,
      type: 'claimed',
      actorKind: 'agent',
      actorId,
      data: { draftId: row.id },
    });
    // Other agents' queues show who holds the draft.
    publishAfterCommit(deps.live, tx, draftChanged(row, 'claimed'));
    return { ok: true as const, draft: row };
  });
}

/** An abstained draft ("no grounded answer"): its text is a holding reply, not an answer. */
export const isHoldingDraft = (d: Pick<Draft, 'state' | 'kind'>) =>
  d.state === 'abstained' || d.kind === 'no_answer';

/**
 * Approve (optionally with an edited text): one transaction moves the draft from pending to
 * approved under its lock version, records the edit metrics, creates the delivery row (unique per
 * draft) and schedules the send. A second click, or a second agent, finds the lock version moved
 * and gets a conflict; nothing is sent twice.
 *
 * A ticket with no way to reach its customer (no reply address: see `noReplyRoute`) is refused
 * (`no_reply_route`) rather than approved into a delivery that could only be held.
 *
 * An abstained draft's text is only a holding reply ("we are looking into it"): sending it
 * unchanged takes `holdingReply: true`, so nobody sends it thinking it answers the customer
 * (`holding_reply` otherwise). The approval event records that a holding reply went out.
 */
export async function approveDraft(
  deps: ReviewDeps,
  input: {
    draftId: string;
    actor: Actor;
    lockVersion?: number;
    finalText?: string;
    auto?: boolean;
    /** The agent knows they are sending an abstained draft's holding text as written. */
    holdingReply?: boolean;
  },
): Promise<ReviewResult> {
  const ttl = deps.config.CLAIM_TTL_SECONDS;
  const actorId = input.actor.id;
  // Another team's draft answers exactly like a missing one.
  const found = await getDraftWithTicketInScope(deps.db, input.actor, input.draftId);
  if (!found) return { ok: false, reason: 'not_found' };
  const { draft: current, ticket } = found;
  // Idempotent repeat of the same approval (a double click that raced the first response).
  if (current.status !== 'pending_approval') {
    const same = current.decidedBy === actorId && ['approved', 'sent'].includes(current.status);
    return same
      ? { ok: true, draft: current }
      : { ok: false, reason: 'not_pending', draft: current };
  }
  if (!claimGuard(ttl, actorId)(current))
    return { ok: false, reason: 'claimed_by_other', draft: current };
  // A reply nobody can receive would only be held for good: refused, nothing recorded.
  const route = noReplyRoute(deps.config, ticket);
  if (route) return { ok: false, reason: 'no_reply_route', draft: current, route };
  const finalText = (input.finalText ?? current.bodyText).trim();
  const edited = finalText !== current.bodyText.trim();
  const distance = edited ? wordEditDistance(current.bodyText, finalText) : 0;
  const holdingReply = isHoldingDraft(current) && !edited;
  if (holdingReply && !input.holdingReply && !input.auto) {
    return { ok: false, reason: 'holding_reply', draft: current };
  }

  const words = wordCount(finalText);
  // One statement decides and records it all (recordApproval); a human approval gets the undo
  // window, an auto-send has nobody to take it back.
  const approved = await recordApproval(deps.db, {
    draftId: current.id,
    lockVersion: input.lockVersion ?? current.lockVersion,
    set: {
      status: 'approved',
      decidedBy: actorId,
      decidedAt: new Date(),
      finalText,
      editDistance: distance,
      editDiff: edited ? editDiff(current.bodyText, finalText) : null,
      wordsSent: words,
      autoSent: input.auto ?? false,
    },
    delivery: deliveryTarget(deps.config, ticket),
    sendAfterSeconds: input.auto ? 0 : deps.config.SEND_DELAY_SECONDS,
    event: {
      type: edited ? 'edited' : 'approved',
      actorKind: input.auto ? 'system' : 'agent',
      actorId,
      data: {
        draftId: current.id,
        version: current.version,
        editDistance: distance,
        words,
        auto: input.auto ?? false,
        ...(holdingReply ? { holdingReply: true } : {}),
      },
    },
  });
  if (!approved) {
    // Lost the race: if the winner was this same agent's other click, this one succeeds too.
    const now = await getDraft(deps.db, current.id);
    if (now && now.decidedBy === actorId && ['approved', 'sent'].includes(now.status)) {
      return { ok: true, draft: now };
    }
    return explain(deps.db, current.id, actorId, ttl);
  }
  publishDecision(deps, deps.db, approved.draft);
  // The question and the article the agent sent for it: drafting learns from the team (learn.ts).
  await learnFromApproval(deps, approved.draft);
  return { ok: true, draft: approved.draft, delivery: approved.delivery };
}

/**
 * A human decision that closes a pending draft (reject, regenerate): compare-and-set under the
 * lock version, then the ticket event and any follow-up in the same transaction.
 */
async function closePending(
  deps: ReviewDeps,
  input: { draftId: string; actor: Actor; lockVersion?: number },
  set: Partial<Draft>,
  after: (tx: ReviewDeps['db'], row: Draft) => Promise<void>,
): Promise<ReviewResult> {
  const ttl = deps.config.CLAIM_TTL_SECONDS;
  const actorId = input.actor.id;
  const current = await getDraftInScope(deps.db, input.actor, input.draftId);
  if (!current) return { ok: false, reason: 'not_found' };
  if (!claimGuard(ttl, actorId)(current)) {
    return { ok: false, reason: 'claimed_by_other', draft: current };
  }
  return withTransaction(deps.db, async (tx) => {
    const row = await transitionDraft(
      tx,
      current.id,
      { status: 'pending_approval', lockVersion: input.lockVersion ?? current.lockVersion },
      { ...set, decidedBy: actorId, decidedAt: new Date() },
    );
    if (!row) return explain(tx, current.id, actorId, ttl);
    await after(tx, row);
    publishDecision(deps, tx, row);
    return { ok: true as const, draft: row };
  });
}

export function rejectDraft(
  deps: ReviewDeps,
  input: { draftId: string; actor: Actor; lockVersion?: number; reason: string },
): Promise<ReviewResult> {
  return closePending(
    deps,
    input,
    { status: 'rejected', rejectReason: input.reason },
    async (tx, row) => {
      await recordTicketEvent(tx, {
        ticketId: row.ticketId,
        type: 'rejected',
        actorKind: 'agent',
        actorId: input.actor.id,
        data: { draftId: row.id, version: row.version, reason: input.reason },
      });
      // A lesson chose this article and the agent says the answer is wrong: drafting unlearns it.
      if (row.answeredQuestionId && /^wrong answer/i.test(input.reason.trim())) {
        await forgetLessonOfDraft(tx, row, input.actor);
      }
    },
  );
}

/** Supersedes the draft and asks the draft job for a new version with the agent's instructions. */
export function regenerateDraft(
  deps: ReviewDeps,
  input: { draftId: string; actor: Actor; lockVersion?: number; instructions: string | null },
): Promise<ReviewResult> {
  return closePending(
    deps,
    input,
    { status: 'superseded', regenerationRequest: input.instructions },
    async (tx, row) => {
      await recordTicketEvent(tx, {
        ticketId: row.ticketId,
        type: 'regenerated',
        actorKind: 'agent',
        actorId: input.actor.id,
        data: { draftId: row.id, version: row.version, instructions: input.instructions },
      });
      await enqueueOutbox(tx, 'draft', { ticketId: row.ticketId, regenerateOf: row.id });
    },
  );
}
