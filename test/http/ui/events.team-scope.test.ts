import { describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { seedPendingDraft } from '../../support/drafts.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

/** Finding 15: the live event stream tells a team agent about its own team's tickets only. */
const { deps, app } = await fileTestApp();
const password = 'a long enough password';

/** Opens /app/events and collects what it sends until `until` is seen or 8 s pass. */
async function listen(cookie: string, publish: () => Promise<void>, until: string) {
  const res = await app.request('/app/events', { headers: { cookie } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 8_000;
  // One read in flight at a time: a read abandoned after a timeout would swallow its chunk.
  let read = reader.read();
  while (Date.now() < deadline && !text.includes(until)) {
    const result = await Promise.race([
      read,
      new Promise<null>((r) => setTimeout(() => r(null), 300)),
    ]);
    if (result) {
      if (result.done) break;
      text += decoder.decode(result.value);
      read = reader.read();
    }
    // The Redis subscription opens with the first listener; publish until the event comes through.
    if (text.includes('event: ready')) await publish();
  }
  await reader.cancel().catch(() => {});
  return text;
}

describe('GET /app/events, team scoping', () => {
  it("a billing agent hears about billing and unrouted drafts, not another team's", async () => {
    await createUser(deps.db, {
      email: 'ana@example.com',
      name: 'Ana',
      role: 'agent',
      password,
      teamId: 'billing',
    });
    const { cookie } = await signInOverHttp(app, deps.db, 'ana@example.com', password);
    const other = await seedPendingDraft(deps.db, { team: 'fulfilment', subject: 'other team' });
    const own = await seedPendingDraft(deps.db, { team: 'billing', subject: 'own team' });
    const text = await listen(
      cookie,
      async () => {
        await deps.live.publish({
          type: 'draft.created',
          draftId: other.draft.id,
          ticketId: other.ticketId,
        });
        await deps.live.publish({
          type: 'draft.created',
          draftId: own.draft.id,
          ticketId: own.ticketId,
        });
      },
      own.draft.id,
    );
    expect(text).toContain(own.draft.id);
    expect(text).not.toContain(other.draft.id);
    expect(text).not.toContain(other.ticketId);
  });

  it('a manager hears about every team', async () => {
    await createUser(deps.db, {
      email: 'lead@example.com',
      name: 'Lead',
      role: 'manager',
      password,
    });
    const { cookie } = await signInOverHttp(app, deps.db, 'lead@example.com', password);
    const other = await seedPendingDraft(deps.db, { team: 'fulfilment', subject: 'other team 2' });
    const text = await listen(
      cookie,
      () =>
        deps.live.publish({
          type: 'draft.created',
          draftId: other.draft.id,
          ticketId: other.ticketId,
        }),
      other.draft.id,
    );
    expect(text).toContain(other.draft.id);
  });
});
