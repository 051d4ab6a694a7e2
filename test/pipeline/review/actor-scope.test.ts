import { describe, expect, it } from 'vitest';
import { systemActor } from '../../../src/auth/actor.js';
import { getDeliveryForDraft, getDraft } from '../../../src/db/queries/drafts.js';
import {
  approveDraft,
  claim,
  regenerateDraft,
  rejectDraft,
} from '../../../src/pipeline/review/actions.js';
import { agentActor, seedPendingDraft } from '../../support/drafts.js';
import { fileTestDeps } from '../../support/fixtures.js';

/**
 * Review functions check the actor's team scope themselves: called directly, with no route in
 * front, another team's draft is "not found" and nothing changes.
 */
const deps = await fileTestDeps();

describe('review actions take a typed actor and check its scope', () => {
  it("refuses another team's draft like a missing one, for every action", async () => {
    const { draft } = await seedPendingDraft(deps.db, { team: 'fulfilment' });
    const billing = agentActor('ana@example.com', 'billing');
    const results = [
      await claim(deps, { draftId: draft.id, actor: billing }),
      await approveDraft(deps, { draftId: draft.id, actor: billing }),
      await rejectDraft(deps, { draftId: draft.id, actor: billing, reason: 'no' }),
      await regenerateDraft(deps, { draftId: draft.id, actor: billing, instructions: null }),
    ];
    for (const result of results) expect(result).toEqual({ ok: false, reason: 'not_found' });
    const after = await getDraft(deps.db, draft.id);
    expect(after).toMatchObject({ status: 'pending_approval', claimedBy: null });
    expect(await getDeliveryForDraft(deps.db, draft.id)).toBeNull();
  });

  it('lets the team, a teamless agent and the system act, recording who did', async () => {
    const own = await seedPendingDraft(deps.db, { team: 'billing' });
    const approved = await approveDraft(deps, {
      draftId: own.draft.id,
      actor: agentActor('ana@example.com', 'billing'),
    });
    expect(approved.ok && approved.draft.decidedBy).toBe('ana@example.com');
    const other = await seedPendingDraft(deps.db, { team: 'fulfilment' });
    const rejected = await rejectDraft(deps, {
      draftId: other.draft.id,
      actor: agentActor('teamless@example.com'),
      reason: 'wrong',
    });
    expect(rejected.ok && rejected.draft.decidedBy).toBe('teamless@example.com');
    const third = await seedPendingDraft(deps.db, { team: 'fulfilment' });
    const auto = await approveDraft(deps, {
      draftId: third.draft.id,
      actor: systemActor('auto-send'),
      auto: true,
    });
    expect(auto.ok && auto.draft.decidedBy).toBe('auto-send');
  });
});
