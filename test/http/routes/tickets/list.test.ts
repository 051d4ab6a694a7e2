import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { insertDraft, transitionDraft } from '../../../../src/db/queries/drafts.js';
import { setTicketStatus } from '../../../../src/db/queries/tickets.js';
import { saveTriage } from '../../../../src/db/queries/triage.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { seedEmailTicket } from '../../../support/tickets.js';

/**
 * GET /api/tickets: filters, full-text search, keyset pagination, built-in views and team scoping,
 * against real Postgres (or PGlite) through the HTTP router.
 */
const { deps, app } = await fileTestApp();
const keys: Record<string, string> = {};
const ids: Record<string, string> = {};

interface Item {
  id: string;
  externalId: string | null;
  subject: string;
  status: string;
  draftState: string;
  slaBreached: boolean;
  triage: { team: string | null; queue: string | null; category: string | null };
}

async function ticket(
  name: string,
  t: {
    subject: string;
    body: string;
    from?: string;
    team?: string | null;
    queue?: string;
    category?: string;
    priority?: 'low' | 'normal' | 'high' | 'urgent';
    draft?: 'pending' | 'rejected' | 'approved' | 'sent' | 'no_answer' | 'failed';
    dueInMinutes?: number;
    automated?: boolean;
  },
) {
  const { ticketId } = await seedEmailTicket(deps.db, {
    subject: t.subject,
    body: t.body,
    from: t.from,
    automated: t.automated,
  });
  ids[name] = ticketId;
  if (t.team !== undefined) {
    await saveTriage(deps.db, {
      ticketId,
      category: t.category ?? 'billing',
      confidence: 0.9,
      decidedBy: 'classifier',
      priority: t.priority ?? 'normal',
      sentiment: 'neutral',
      team: t.team,
      queue: t.queue ?? null,
    });
  }
  if (t.draft) {
    const draft = await insertDraft(deps.db, {
      ticketId,
      kind: t.draft === 'no_answer' ? 'no_answer' : 'extractive',
      state: t.draft === 'no_answer' ? 'abstained' : 'answered',
      bodyText: 'A draft',
      model: 'test',
      slaDueAt:
        t.dueInMinutes === undefined ? null : new Date(Date.now() + t.dueInMinutes * 60_000),
    });
    const to = { rejected: 'rejected', approved: 'approved', sent: 'approved', failed: 'approved' }[
      t.draft as string
    ] as 'rejected' | 'approved' | undefined;
    if (to)
      await transitionDraft(deps.db, draft.id, { status: 'pending_approval' }, { status: to });
    if (t.draft === 'sent' || t.draft === 'failed') {
      await transitionDraft(
        deps.db,
        draft.id,
        { status: 'approved' },
        { status: t.draft === 'sent' ? 'sent' : 'delivery_failed' },
      );
    }
  }
}

beforeAll(async () => {
  for (const [name, role, team] of [
    ['manager', 'manager', null],
    ['billingAgent', 'agent', 'billing'],
    ['teamless', 'agent', null],
  ] as const) {
    keys[name] = (await createApiKey(deps.db, { name, role, teamId: team })).key;
  }
  await ticket('refund', {
    subject: 'Refund for order 4471',
    body: 'I was charged twice for my order, please refund the second payment.',
    from: 'ana.lopez@example.com',
    team: 'billing',
    queue: 'billing-queue',
    category: 'billing',
    draft: 'rejected',
    dueInMinutes: -30,
  });
  await ticket('password', {
    subject: 'Cannot sign in',
    body: 'I forgot my password and the reset link never arrives.',
    team: 'support',
    queue: 'support-queue',
    category: 'account',
    priority: 'high',
    draft: 'pending',
    dueInMinutes: 60,
  });
  await ticket('shipping', {
    subject: 'Where is my parcel?',
    body: 'The tracking has not moved for a week. Refunds are not what I want, just the shoes.',
    team: 'fulfilment',
    category: 'shipping',
    draft: 'approved',
  });
  await ticket('answered', {
    subject: 'Invoice copy',
    body: 'Could you send me a copy of last month invoice?',
    team: 'billing',
    draft: 'sent',
  });
  await ticket('nothing', {
    subject: 'Question about the warranty',
    body: 'How long is the warranty on headphones?',
    team: null,
    draft: 'no_answer',
  });
  await ticket('untriaged', { subject: 'Hello', body: 'Is anyone there?' });
  await ticket('bounce', {
    subject: 'Undeliverable: your reply',
    body: 'Delivery has failed to these recipients.',
    automated: true,
  });
  await ticket('failed', {
    subject: 'Address change',
    body: 'Please change my delivery address.',
    team: 'fulfilment',
    draft: 'failed',
  });
  await ticket('solved', {
    subject: 'Refund received, thanks',
    body: 'All good now.',
    team: 'billing',
    draft: 'rejected',
  });
  await setTicketStatus(deps.db, ids.solved!, 'solved');
});

async function list(
  who: string,
  query = '',
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const res = await app.request(`/api/tickets${query}`, {
    headers: { authorization: `Bearer ${keys[who]}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { items: Item[]; nextCursor: string | null };
}
const names = (items: Item[]) =>
  items.map((i) => Object.keys(ids).find((k) => ids[k] === i.id)).sort();

describe('GET /api/tickets', () => {
  it('lists every ticket newest first with id, externalId, subject, status and draftState', async () => {
    const { items, nextCursor } = await list('manager');
    expect(items).toHaveLength(9);
    expect(nextCursor).toBeNull();
    expect(items[0]!.id).toBe(ids.solved);
    const refund = items.find((i) => i.id === ids.refund)!;
    expect(refund).toMatchObject({
      externalId: null,
      subject: 'Refund for order 4471',
      status: 'new',
      draftState: 'rejected',
      slaBreached: true,
      triage: { team: 'billing', queue: 'billing-queue', category: 'billing' },
    });
    const states = Object.fromEntries(items.map((i) => [names([i])[0], i.draftState]));
    expect(states).toMatchObject({
      password: 'pending',
      shipping: 'sending',
      answered: 'answered',
      nothing: 'abstained',
      untriaged: 'none',
      failed: 'delivery_failed',
    });
  });

  it('filters by status, queue, team, category, priority, channel, automated, draft state and SLA', async () => {
    expect(names((await list('manager', '?status=solved')).items)).toEqual(['solved']);
    expect(names((await list('manager', '?queue=billing-queue')).items)).toEqual(['refund']);
    expect(names((await list('manager', '?team=fulfilment')).items)).toEqual([
      'failed',
      'shipping',
    ]);
    expect(names((await list('manager', '?category=account')).items)).toEqual(['password']);
    expect(names((await list('manager', '?priority=high')).items)).toEqual(['password']);
    expect((await list('manager', '?channel=email')).items).toHaveLength(9);
    expect((await list('manager', '?channel=zendesk')).items).toHaveLength(0);
    expect(names((await list('manager', '?automated=true')).items)).toEqual(['bounce']);
    expect((await list('manager', '?automated=false')).items).toHaveLength(8);
    expect(names((await list('manager', '?draftState=rejected')).items)).toEqual([
      'refund',
      'solved',
    ]);
    expect(names((await list('manager', '?slaBreached=true')).items)).toEqual(['refund']);
    expect((await list('manager', '?slaBreached=false')).items).toHaveLength(8);
    // Calendar days of creation (TIME_ZONE, here UTC), `to` inclusive.
    const today = new Date().toISOString().slice(0, 10);
    expect((await list('manager', `?from=${today}&to=${today}`)).items).toHaveLength(9);
    expect((await list('manager', '?to=2020-01-31')).items).toHaveLength(0);
    expect((await list('manager', '?from=2999-01-01')).items).toHaveLength(0);
    // Filters combine.
    expect(
      names((await list('manager', '?team=billing&draftState=rejected&status=new')).items),
    ).toEqual(['refund']);
  });

  it('built-in views: needs a human reply, waiting on delivery, overdue', async () => {
    // Rejected, abstained or no draft — open and not automated (the solved one is done).
    expect(names((await list('manager', '?view=needs_human')).items)).toEqual([
      'nothing',
      'refund',
      'untriaged',
    ]);
    expect(names((await list('manager', '?view=waiting_delivery')).items)).toEqual(['shipping']);
    expect(names((await list('manager', '?view=overdue')).items)).toEqual(['refund']);
  });

  it('searches subject, body and requester (all words, prefixes), combined with filters', async () => {
    // Subject word.
    expect(names((await list('manager', '?q=parcel')).items)).toEqual(['shipping']);
    // Body words, both required; "refund" also finds "refunds" (prefix).
    expect(names((await list('manager', '?q=refund')).items)).toEqual([
      'refund',
      'shipping',
      'solved',
    ]);
    expect(names((await list('manager', '?q=charged%20twice')).items)).toEqual(['refund']);
    expect((await list('manager', '?q=charged%20headphones')).items).toHaveLength(0);
    // Requester: the address, its local part, the name of the order in the subject.
    expect(names((await list('manager', '?q=ana.lopez%40example.com')).items)).toEqual(['refund']);
    expect(names((await list('manager', '?q=ana.lopez')).items)).toEqual(['refund']);
    expect(names((await list('manager', '?q=4471')).items)).toEqual(['refund']);
    // Case and punctuation do not matter; tsquery operators are not interpreted.
    expect(names((await list('manager', '?q=PARCEL%3F')).items)).toEqual(['shipping']);
    expect((await list('manager', `?q=${encodeURIComponent("'&|!:*()")}`)).items).toHaveLength(0);
    // With a filter and a view.
    expect(names((await list('manager', '?q=refund&view=needs_human')).items)).toEqual(['refund']);
  });

  it('finds text of a message added later, and no longer finds anonymised text', async () => {
    await deps.db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text)
      values (${ids.untriaged}, 'inbound', 'customer', 'My kumquat subscription renewal failed')`);
    expect(names((await list('manager', '?q=kumquat')).items)).toEqual(['untriaged']);
    await deps.db.execute(
      sql`update messages set body_text = '', stripped_text = '' where ticket_id = ${ids.untriaged}`,
    );
    expect((await list('manager', '?q=kumquat')).items).toHaveLength(0);
    expect(names((await list('manager', '?q=hello')).items)).toEqual(['untriaged']);
  });

  it('paginates with a cursor: every ticket exactly once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Item[]; nextCursor: string | null } = await list(
        'manager',
        `?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(5);
    expect(seen).toEqual((await list('manager')).items.map((i) => i.id));
    expect(new Set(seen).size).toBe(9);
  });

  it('scopes an agent with a team to its team and unrouted tickets', async () => {
    const billing = names((await list('billingAgent')).items);
    expect(billing).toEqual(['answered', 'bounce', 'nothing', 'refund', 'solved', 'untriaged']);
    // A filter cannot widen the scope.
    expect((await list('billingAgent', '?team=fulfilment')).items).toHaveLength(0);
    expect((await list('billingAgent', '?q=parcel')).items).toHaveLength(0);
    expect((await list('teamless')).items).toHaveLength(9);
  });

  it('answers 400 naming the field for bad input, 401 without a key', async () => {
    for (const [query, field] of [
      ['?status=nope', 'status'],
      ['?draftState=maybe', 'draftState'],
      ['?limit=0', 'limit'],
      ['?view=everything', 'view'],
      ['?cursor=garbage', 'cursor'],
      ['?automated=yes', 'automated'],
      ['?from=yesterday', 'from'],
    ]) {
      const res = await app.request(`/api/tickets${query}`, {
        headers: { authorization: `Bearer ${keys.manager}` },
      });
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toContain(field);
    }
    expect((await app.request('/api/tickets')).status).toBe(401);
  });
});

describe('GET /api/tickets/{id}/drafts', () => {
  it("lists the ticket's drafts with their state; another team's ticket is a 404", async () => {
    const res = await app.request(`/api/tickets/${ids.refund}/drafts`, {
      headers: { authorization: `Bearer ${keys.billingAgent}` },
    });
    expect(res.status).toBe(200);
    const { drafts } = (await res.json()) as { drafts: { status: string; version: number }[] };
    expect(drafts).toMatchObject([{ status: 'rejected', version: 1 }]);
    const hidden = await app.request(`/api/tickets/${ids.shipping}/drafts`, {
      headers: { authorization: `Bearer ${keys.billingAgent}` },
    });
    expect(hidden.status).toBe(404);
  });
});

describe('a common word searched a window at a time', () => {
  it('pages through every match exactly once, each page looking at a bounded window', async () => {
    const { listTicketPage } = await import('../../../../src/db/queries/ticket-list.js');
    const tuning = { commonTermMatches: 0, window: 3 };
    const expected = (await list('manager', '?q=refund')).items.map((i) => i.id);
    expect(expected).toHaveLength(3);
    const seen: string[] = [];
    let after: { createdAt: string; id: string } | undefined;
    let pages = 0;
    let partial = 0;
    do {
      const page = await listTicketPage(deps.db, { q: 'refund', limit: 2, after }, tuning);
      seen.push(...page.rows.map((r) => r.id));
      if (page.rows.length < 2 && page.next) partial++;
      after = page.next ?? undefined;
      pages++;
    } while (after && pages < 20);
    expect(seen).toEqual(expected);
    // 9 tickets, windows of 3: some pages were cut short by the window and said where to go on.
    expect(partial).toBeGreaterThan(0);
    // The API hands out the same kind of cursor: following it gives the same tickets.
    expect(pages).toBeLessThan(20);
  });
});
