import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { revokeApiKey } from '../../../../src/db/queries/api-keys.js';
import { recordTicketEvent } from '../../../../src/db/queries/tickets.js';
import type { Role } from '../../../../src/db/schema/api-keys.js';
import { triageTicket } from '../../../../src/pipeline/triage/triage.js';
import { createTestDeps, type TestDeps } from '../../../support/deps.js';
import { seedEmailTicket } from '../../../support/tickets.js';

let deps: TestDeps;
let app: ReturnType<typeof createApp>;
const keys = {} as Record<Role, { key: string; id: string }>;
const ids: Record<string, string> = {};

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface Interaction {
  id: string;
  ticketId: string | null;
  kind: string;
  model: string;
  promptVersion: string | null;
  latencyMs: number;
  promptTokens: number | null;
  completionTokens: number | null;
  inputRefs: Record<string, unknown>;
  output: unknown;
  createdAt: string;
}
interface Action {
  id: string;
  action: string;
  at: string;
  actor: { kind: string; id: string | null; name: string | null };
  ticketId: string | null;
  details: Record<string, unknown>;
}

const call = (role: Role | null, url: string) =>
  app.request(url, { headers: role ? { authorization: `Bearer ${keys[role].key}` } : {} });
const json = async <T>(role: Role, url: string): Promise<T> => {
  const res = await call(role, url);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
};
/** Follows nextCursor to the end. */
async function all<T>(role: Role, url: string, limit: number): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = url.includes('?') ? '&' : '?';
    const page: Page<T> = await json<Page<T>>(
      role,
      `${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('pagination did not end');
}

beforeAll(async () => {
  deps = await createTestDeps();
  app = createApp(deps);
  for (const role of ['integration', 'agent', 'manager', 'admin'] as const) {
    const { key, record } = await createApiKey(deps.db, { name: `${role} key`, role });
    keys[role] = { key, id: record.id };
  }
  const spare = await createApiKey(deps.db, { name: 'old integration', role: 'integration' });
  await revokeApiKey(deps.db, spare.record.id);
  ids.spareKey = spare.record.id;

  ids.a = (
    await seedEmailTicket(deps.db, { subject: 'Refund', body: 'Refund my order please' })
  ).ticketId;
  ids.b = (await seedEmailTicket(deps.db, { subject: 'Login', body: 'I cannot log in' })).ticketId;
  await triageTicket(deps, { ticketId: ids.a });
  await triageTicket(deps, { ticketId: ids.b });
  // A model answer that failed to parse is stored as the raw text — which may quote the customer.
  await deps.db.execute(sql`insert into ai_interactions
      (ticket_id, step, model, prompt_version, input_refs, output, latency_ms, prompt_tokens,
       completion_tokens)
    values (${ids.a}, 'triage.llm', 'qwen-tiny', 'triage-llm@v2', '{"messageId":null}',
      '"The customer robin@example.net wants a refund"'::jsonb, 812, 410, 12)`);

  const agent = keys.agent.id;
  await recordTicketEvent(deps.db, {
    ticketId: ids.a,
    type: 'approved',
    actorKind: 'agent',
    actorId: agent,
    data: { draftId: ids.a, version: 1, editDistance: 0, words: 40, auto: false },
  });
  await recordTicketEvent(deps.db, {
    ticketId: ids.b,
    type: 'rejected',
    actorKind: 'agent',
    actorId: agent,
    data: {
      draftId: ids.b,
      version: 1,
      reason: 'Customer wants a call back on +44 20 7946 0958, write to robin@example.net',
      extra: 'not for the audit view',
    },
  });
  await recordTicketEvent(deps.db, {
    ticketId: ids.b,
    type: 'triage_corrected',
    actorKind: 'agent',
    actorId: keys.manager.id,
    data: { from: 'billing', to: 'account', confidence: 0.41 },
  });
  const erased = await app.request('/api/admin/customers/gone%40example.org', {
    method: 'DELETE',
    headers: { authorization: `Bearer ${keys.admin.key}` },
  });
  expect(erased.status).toBe(200);
}, 60_000);
afterAll(() => deps.cleanup());

describe('audit API security', () => {
  for (const path of ['/api/audit/ai-interactions', '/api/audit/actions']) {
    it(`${path}: 401 without a key, 403 for integration and agent keys, 200 for managers`, async () => {
      expect((await call(null, path)).status).toBe(401);
      for (const role of ['integration', 'agent'] as const) {
        const res = await call(role, path);
        expect(res.status).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      }
      expect((await call('manager', path)).status).toBe(200);
      expect((await call('admin', path)).status).toBe(200);
    });
  }

  it('managers never see customer text in model outputs; admins see it PII-redacted', async () => {
    const forManager = await json<Page<Interaction>>(
      'manager',
      '/api/audit/ai-interactions?kind=triage.llm',
    );
    expect(forManager.items).toHaveLength(1);
    expect(forManager.items[0]!.output).toBe('[text]');
    const forAdmin = await json<Page<Interaction>>(
      'admin',
      '/api/audit/ai-interactions?kind=triage.llm',
    );
    expect(forAdmin.items[0]!.output).toContain('wants a refund');
    expect(forAdmin.items[0]!.output).not.toContain('robin@example.net');
    // Labels and scores of the classifier are not text: managers see them.
    const classify = await json<Page<Interaction>>(
      'manager',
      `/api/audit/ai-interactions?kind=triage.classify&ticketId=${ids.a}`,
    );
    expect(classify.items).toHaveLength(1);
    const output = classify.items[0]!.output as { label: string; confidence: number };
    expect(typeof output.label).toBe('string');
    expect(output.label).not.toBe('[text]');
    expect(typeof output.confidence).toBe('number');
  });

  it('agent-written notes are shown with personal data redacted, unknown fields not at all', async () => {
    const page = await json<Page<Action>>('manager', '/api/audit/actions?action=rejected');
    expect(page.items).toHaveLength(1);
    const { details } = page.items[0]!;
    expect(details.reason).toEqual(expect.stringContaining('call back'));
    // The phone number is matched whole: a random draft id may contain its digits.
    expect(JSON.stringify(details)).not.toMatch(/robin@example\.net|7946 0958/);
    expect(details).not.toHaveProperty('extra');
  });

  it('an erasure is listed with its actor and counts, never the address', async () => {
    const page = await json<Page<Action>>('manager', '/api/audit/actions?action=customer_erased');
    expect(page.items).toEqual([
      expect.objectContaining({
        action: 'customer_erased',
        actor: { kind: 'api_key', id: keys.admin.id, name: 'admin key' },
        details: {
          tickets: 0,
          inboxEvents: 0,
          outboxRows: 0,
          mentionsRedacted: 0,
          derivedRowsRedacted: 0,
        },
      }),
    ]);
    expect(JSON.stringify(page)).not.toContain('gone@example.org');
  });
});

describe('GET /api/audit/ai-interactions', () => {
  it('lists every model call newest first with model, prompt version, latency and tokens', async () => {
    const page = await json<Page<Interaction>>('manager', '/api/audit/ai-interactions');
    expect(page.items.map((i) => i.kind).sort()).toEqual([
      'triage.classify',
      'triage.classify',
      'triage.llm',
    ]);
    const times = page.items.map((i) => i.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(page.items[0]).toMatchObject({
      kind: 'triage.llm',
      model: 'qwen-tiny',
      promptVersion: 'triage-llm@v2',
      latencyMs: 812,
      promptTokens: 410,
      completionTokens: 12,
      ticketId: ids.a,
    });
    expect(page.nextCursor).toBeNull();
  });

  it('filters by ticket, by step or family, and by date range', async () => {
    const byTicket = await json<Page<Interaction>>(
      'manager',
      `/api/audit/ai-interactions?ticketId=${ids.b}`,
    );
    expect(byTicket.items.map((i) => i.ticketId)).toEqual([ids.b]);
    const family = await json<Page<Interaction>>(
      'manager',
      '/api/audit/ai-interactions?kind=triage',
    );
    expect(family.items).toHaveLength(3);
    expect(
      (await json<Page<Interaction>>('manager', '/api/audit/ai-interactions?kind=draft')).items,
    ).toEqual([]);
    const future = await json<Page<Interaction>>(
      'manager',
      '/api/audit/ai-interactions?from=2999-01-01',
    );
    expect(future.items).toEqual([]);
    const past = await json<Page<Interaction>>(
      'manager',
      '/api/audit/ai-interactions?from=2000-01-01&to=2999-01-01T00:00:00Z',
    );
    expect(past.items).toHaveLength(3);
  });

  it('pages with a cursor: every row once, in order', async () => {
    const everything = (await json<Page<Interaction>>('manager', '/api/audit/ai-interactions'))
      .items;
    const paged = await all<Interaction>('manager', '/api/audit/ai-interactions', 1);
    expect(paged.map((i) => i.id)).toEqual(everything.map((i) => i.id));
  });

  it('rejects a bad cursor, a bad kind and an empty range in the error envelope', async () => {
    for (const query of ['cursor=bm9wZQ', 'kind=DROP%20TABLE', 'from=2026-02-01&to=2026-01-01']) {
      const res = await call('manager', `/api/audit/ai-interactions?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'validation_failed',
      );
    }
  });
});

describe('GET /api/audit/actions', () => {
  it('merges review actions, corrections, erasures, keys and users, newest first', async () => {
    const items = await all<Action>('manager', '/api/audit/actions', 100);
    const actions = items.map((i) => i.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'approved',
        'rejected',
        'triage_corrected',
        'customer_erased',
        'api_key_created',
        'api_key_revoked',
      ]),
    );
    // Lifecycle events of tickets are not actions.
    expect(actions).not.toContain('triaged');
    expect(actions).not.toContain('created');
    const times = items.map((i) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
    const approved = items.find((i) => i.action === 'approved')!;
    expect(approved).toMatchObject({
      ticketId: ids.a,
      actor: { kind: 'agent', id: keys.agent.id, name: 'agent key' },
      details: { version: 1, editDistance: 0, words: 40, auto: false },
    });
    const revoked = items.find((i) => i.action === 'api_key_revoked')!;
    expect(revoked.details).toEqual({
      keyId: ids.spareKey,
      name: 'old integration',
      role: 'integration',
    });
    // Five keys were created (four roles and the spare).
    expect(actions.filter((a) => a === 'api_key_created')).toHaveLength(5);
  });

  it('filters by action, actor, ticket and date', async () => {
    const two = await json<Page<Action>>(
      'manager',
      '/api/audit/actions?action=approved,triage_corrected',
    );
    expect(two.items.map((i) => i.action).sort()).toEqual(['approved', 'triage_corrected']);
    const byActor = await json<Page<Action>>(
      'manager',
      `/api/audit/actions?actor=${keys.agent.id}`,
    );
    expect(byActor.items.map((i) => i.action).sort()).toEqual(['approved', 'rejected']);
    const byTicket = await json<Page<Action>>('manager', `/api/audit/actions?ticketId=${ids.b}`);
    expect(byTicket.items.map((i) => i.action).sort()).toEqual(['rejected', 'triage_corrected']);
    const none = await json<Page<Action>>('manager', '/api/audit/actions?to=2000-01-01');
    expect(none.items).toEqual([]);
  });

  it('pages with a cursor across the merged sources: every row once, in order', async () => {
    const everything = await all<Action>('manager', '/api/audit/actions', 100);
    for (const size of [1, 2, 3]) {
      const paged = await all<Action>('manager', '/api/audit/actions', size);
      expect(paged.map((i) => i.id)).toEqual(everything.map((i) => i.id));
    }
  });

  it('rejects unknown actions and foreign cursors', async () => {
    for (const query of ['action=dropped_tables', 'cursor=WyJ4IiwieSJd', 'limit=1000']) {
      const res = await call('manager', `/api/audit/actions?${query}`);
      expect(res.status, query).toBe(400);
    }
  });
});
