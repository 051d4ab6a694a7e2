import type { Actor } from '../../auth/actor.js';
import { getDraftInScope } from '../../auth/team-scope.js';
import { getDraft, transitionDraft } from '../../db/queries/drafts.js';
import { recordTicketEvent } from '../../db/queries/tickets.js';
import type { Draft } from '../../db/schema/drafts.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { draftChanged, publishAfterCommit } from '../../live/events.js';

export type SaveResult =
  | { ok: true; draft: Draft }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_pending'; draft: Draft }
  /**
   * Someone changed the draft after this agent loaded it (`lockVersion` moved): the save is
   * refused rather than written over theirs. `draft` is the newer version (who saved it, when).
   */
  | { ok: false; reason: 'stale'; draft: Draft };

/**
 * Saves an agent's edit of a pending draft without sending it, under optimistic concurrency:
 * the compare-and-set on `lock_version` (the version the agent's page was rendered from) fails
 * when anyone saved, approved, rejected or regenerated since, and nothing is overwritten.
 */
export async function saveDraftText(
  deps: Pick<Deps, 'db' | 'live'>,
  input: { draftId: string; actor: Actor; lockVersion: number; text: string },
): Promise<SaveResult> {
  // Another team's draft answers exactly like a missing one.
  if (!(await getDraftInScope(deps.db, input.actor, input.draftId))) {
    return { ok: false, reason: 'not_found' };
  }
  return withTransaction(deps.db, async (tx) => {
    const row = await transitionDraft(
      tx,
      input.draftId,
      { status: 'pending_approval', lockVersion: input.lockVersion },
      { finalText: input.text, savedBy: input.actor.id, savedAt: new Date() },
    );
    if (!row) {
      const now = await getDraft(tx, input.draftId);
      if (!now) return { ok: false as const, reason: 'not_found' as const };
      if (now.status !== 'pending_approval') {
        return { ok: false as const, reason: 'not_pending' as const, draft: now };
      }
      return { ok: false as const, reason: 'stale' as const, draft: now };
    }
    await recordTicketEvent(tx, {
      ticketId: row.ticketId,
      type: 'draft_saved',
      actorKind: 'agent',
      actorId: input.actor.id,
      data: { draftId: row.id, version: row.version, lockVersion: row.lockVersion },
    });
    // Other agents' pages hold the old text and lock version: they reload it.
    publishAfterCommit(deps.live, tx, draftChanged(row, 'saved'));
    return { ok: true as const, draft: row };
  });
}
