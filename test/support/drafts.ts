import type { Actor } from '../../src/auth/actor.js';
import type { Db } from '../../src/db/client.js';
import { insertDelivery, insertDraft, transitionDraft } from '../../src/db/queries/drafts.js';
import { saveTriage } from '../../src/db/queries/triage.js';
import { seedEmailTicket } from './tickets.js';

/**
 * A ticket with a pending draft, routed to `team` (null: triaged but routed to no team;
 * undefined: not triaged at all). Rows are written directly: these tests are about who may see
 * them, not about triage or drafting.
 */
export async function seedPendingDraft(
  db: Db,
  over: { team?: string | null; subject?: string; category?: string } = {},
) {
  const { ticketId } = await seedEmailTicket(db, {
    subject: over.subject ?? `Ticket for ${over.team ?? 'nobody'}`,
  });
  if (over.team !== undefined) {
    await saveTriage(db, {
      ticketId,
      category: over.category ?? 'billing',
      confidence: 0.9,
      decidedBy: 'classifier',
      priority: 'normal',
      sentiment: 'neutral',
      team: over.team,
    });
  }
  const draft = await insertDraft(db, {
    ticketId,
    kind: 'extractive',
    bodyText: 'You can reset your password from the sign-in page.',
    model: 'test',
  });
  return { ticketId, draft };
}

/** A ticket routed to `team` whose approved draft's email delivery failed (`mailbox full`). */
export async function seedFailedDelivery(db: Db, team: string) {
  const { ticketId, draft } = await seedPendingDraft(db, { team });
  await transitionDraft(
    db,
    draft.id,
    { status: 'pending_approval' },
    { status: 'delivery_failed' },
  );
  const delivery = await insertDelivery(db, {
    draftId: draft.id,
    ticketId,
    channel: 'email',
    state: 'failed',
    lastError: 'mailbox full',
  });
  return { ticketId, draft, delivery };
}

/** An agent acting in tests (a signed-in user by that name), unrestricted unless given a team. */
export function agentActor(id: string, teamId: string | null = null): Actor {
  return { kind: 'user', id, role: 'agent', teamId };
}
