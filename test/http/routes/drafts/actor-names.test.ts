import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { createUser } from '../../../../src/auth/users.js';
import { databaseRoundTrips } from '../../../../src/db/client.js';
import { saveDraftText } from '../../../../src/pipeline/review/save.js';
import { type AgentApp, startAgentApp } from '../../../support/agent-app.js';
import { agentActor, seedPendingDraft } from '../../../support/drafts.js';

/**
 * The drafts API records authors as ids (a person's email, an API key's id) and shows each beside
 * the name people read (`…Name`, from auth/actor-names.ts): the key as `API key “zendesk-bot”`,
 * the person by their name. A list's names cost one query whatever the number of authors.
 * Real Postgres.
 */
let agentApp: AgentApp;
let bot: { key: string; id: string };
const label = 'API key “zendesk-bot”';

const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await agentApp.app.request(path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${bot.key}`, 'content-type': 'application/json' },
    ...(init.method === 'POST' ? { body: JSON.stringify(init.body ?? {}) } : {}),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
};
type DraftJson = Record<string, unknown> & { id: string };

beforeAll(async () => {
  agentApp = await startAgentApp();
  const created = await createApiKey(agentApp.deps.db, { name: 'zendesk-bot', role: 'agent' });
  bot = { key: created.key, id: created.record.id };
});
afterAll(() => agentApp?.close());

describe('authors in the drafts API', () => {
  it('a claim, a save and a decision each carry the name beside the recorded id', async () => {
    const { db } = agentApp.deps;
    const { ticketId, draft } = await seedPendingDraft(db, { subject: 'Refund please' });

    const fresh = (await api(`/api/drafts/${draft.id}`)).draft as DraftJson;
    expect(fresh).toMatchObject({
      claimedBy: null,
      claimedByName: null,
      decidedBy: null,
      decidedByName: null,
      savedBy: null,
      savedByName: null,
    });

    const claimed = (await api(`/api/drafts/${draft.id}/claim`, { method: 'POST' }))
      .draft as DraftJson;
    expect(claimed).toMatchObject({ claimedBy: bot.id, claimedByName: label });

    // Ana saves an edit in the inbox (recorded by her email), after the claim ran out.
    await db.execute(sql`update drafts set claimed_at = now() - interval '1 day'
      where id = ${draft.id}`);
    const saved = await saveDraftText(agentApp.deps, {
      draftId: draft.id,
      actor: agentActor('ana@example.com'),
      lockVersion: claimed.lockVersion as number,
      text: 'Your refund is on its way.',
    });
    expect(saved.ok).toBe(true);
    expect((await api(`/api/drafts/${draft.id}`)).draft).toMatchObject({
      savedBy: 'ana@example.com',
      savedByName: 'Ana',
    });

    const approved = await api(`/api/drafts/${draft.id}/approve`, { method: 'POST' });
    expect(approved.draft).toMatchObject({
      decidedBy: bot.id,
      decidedByName: label,
      savedBy: 'ana@example.com',
      savedByName: 'Ana',
    });

    const { drafts } = (await api(`/api/tickets/${ticketId}/drafts`)) as { drafts: DraftJson[] };
    expect(drafts.at(-1)).toMatchObject({
      id: draft.id,
      decidedByName: label,
      savedByName: 'Ana',
    });
    expect(JSON.stringify(drafts)).not.toContain('API key undefined');
  });

  it('a reply sent through a key names the key in its answer', async () => {
    const { ticketId } = await seedPendingDraft(agentApp.deps.db, { subject: 'By hand' });
    const res = await agentApp.app.request(`/api/tickets/${ticketId}/replies`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bot.key}`,
        'content-type': 'application/json',
        'idempotency-key': 'reply-through-a-key-1',
      },
      body: JSON.stringify({ text: 'We have refunded you.' }),
    });
    expect(res.status).toBe(201);
    const { draft } = (await res.json()) as { draft: DraftJson };
    expect(draft).toMatchObject({ kind: 'manual', decidedBy: bot.id, decidedByName: label });
  });

  it('the pending list names every author in one query, however many there are', async () => {
    const { db } = agentApp.deps;
    // The earlier tests' drafts are decided; this test's drafts are the pending list.
    await db.execute(sql`update drafts set status = 'rejected' where status = 'pending_approval'`);
    await createUser(db, {
      email: 'bo@example.com',
      name: 'Bo',
      role: 'agent',
      password: 'x'.repeat(20),
    });
    const other = await createApiKey(db, { name: 'sync', role: 'agent' });
    const authors = ['ana@example.com', bot.id, 'bo@example.com', other.record.id];
    const names = ['Ana', label, 'Bo', 'API key “sync”'];
    const seedClaimed = async (by: string, i: number) => {
      const { draft } = await seedPendingDraft(db, { subject: `Claimed ${i}` });
      await db.execute(sql`update drafts set claimed_by = ${by}, claimed_at = now(),
        saved_by = ${by} where id = ${draft.id}`);
    };
    const list = async () => {
      const before = databaseRoundTrips();
      const body = (await api('/api/drafts?limit=100')) as { drafts: DraftJson[] };
      return { drafts: body.drafts, statements: databaseRoundTrips() - before };
    };

    await seedClaimed(authors[0]!, 0);
    await list(); // the key's verification is cached from here on
    const one = await list();
    expect(one.drafts.map((d) => d.claimedByName)).toEqual(['Ana']);

    for (const [i, by] of authors.slice(1).entries()) await seedClaimed(by, i + 1);
    const four = await list();
    expect(new Set(four.drafts.map((d) => d.claimedByName))).toEqual(new Set(names));
    for (const d of four.drafts) expect(d.savedByName).toBe(d.claimedByName);
    expect(four.statements).toBe(one.statements);
  });
});
