import { describe, expect, it } from 'vitest';
import { FakeZendesk } from '../../support/fake-zendesk.js';
import { clientFor, fileFakeZendesk } from './helpers.js';

const fake = await fileFakeZendesk();

describe('Zendesk client against the fake Zendesk', () => {
  it('reads a ticket with its fields mapped to the domain shape', async () => {
    const group = fake.seedGroup({ name: 'Billing' });
    const seeded = fake.seedTicket({ tags: ['web'], groupId: group.id, priority: 'high' });
    const { client } = clientFor(fake);

    const ticket = await client.getTicket(seeded.id);

    expect(ticket).toMatchObject({
      id: seeded.id,
      subject: seeded.subject,
      status: 'open',
      priority: 'high',
      groupId: group.id,
      tags: ['web'],
      updatedAt: seeded.updatedAt,
    });
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      path: `/api/v2/tickets/${seeded.id}.json`,
    });
  });

  it('adds tags with PUT on the tags sub-resource, keeping the tags already there', async () => {
    const seeded = fake.seedTicket({ tags: ['vip', 'web'] });
    const { client } = clientFor(fake);

    const tags = await client.addTags(seeded.id, ['deskpilot_triaged', 'billing', 'vip']);

    expect(tags).toEqual(['vip', 'web', 'deskpilot_triaged', 'billing']);
    expect(fake.ticket(seeded.id).tags).toEqual(['vip', 'web', 'deskpilot_triaged', 'billing']);
    const put = fake.requests.at(-1);
    expect(put).toMatchObject({
      method: 'PUT',
      path: `/api/v2/tickets/${seeded.id}/tags.json`,
      body: { tags: ['deskpilot_triaged', 'billing', 'vip'] },
    });
  });

  it('updates group, priority and status with safe_update and the updated stamp', async () => {
    const group = fake.seedGroup({ name: 'Tier 2' });
    const seeded = fake.seedTicket({ priority: 'normal' });
    const { client } = clientFor(fake);
    const before = await client.getTicket(seeded.id);

    const after = await client.updateTicket(
      seeded.id,
      { groupId: group.id, priority: 'urgent', status: 'pending' },
      { safeUpdate: { updatedAt: before.updatedAt } },
    );

    expect(after).toMatchObject({ groupId: group.id, priority: 'urgent', status: 'pending' });
    expect(after.updatedAt > before.updatedAt).toBe(true);
    const put = fake.requests.at(-1);
    expect(put?.body).toEqual({
      ticket: {
        group_id: group.id,
        priority: 'urgent',
        status: 'pending',
        safe_update: true,
        updated_stamp: before.updatedAt,
      },
    });
    // The id travelled as a JSON number with all its digits, not as a string.
    expect(put?.rawBody).toContain(`"group_id":${group.id}`);
  });

  it('adds an internal comment and returns the comment and audit ids', async () => {
    const seeded = fake.seedTicket();
    const { client } = clientFor(fake);

    const result = await client.addComment(
      seeded.id,
      { body: 'Refund issued, see ledger.', public: false },
      { idempotencyKey: 'draft-41:send' },
    );

    const stored = fake.ticket(seeded.id).comments.at(-1);
    expect(stored).toMatchObject({ body: 'Refund issued, see ledger.', public: false });
    expect(result).toEqual({ commentId: stored?.id, auditId: stored?.auditId, replayed: false });
    const put = fake.requests.at(-1);
    expect(put?.headers['idempotency-key']).toBe('draft-41:send');
    expect(put?.body).toMatchObject({
      ticket: {
        comment: { body: 'Refund issued, see ledger.', public: false },
        metadata: { deskpilot_idempotency_key: 'draft-41:send' },
      },
    });
  });

  it('sends html_body and author_id when given', async () => {
    const seeded = fake.seedTicket();
    const { client } = clientFor(fake);

    await client.addComment(
      seeded.id,
      {
        body: 'Hello, your order shipped.',
        htmlBody: '<p>Hello, your order <b>shipped</b>.</p>',
        public: true,
        authorId: '390000000000000077',
      },
      { idempotencyKey: 'draft-42:send' },
    );

    expect(fake.ticket(seeded.id).comments.at(-1)).toMatchObject({
      authorId: '390000000000000077',
      public: true,
      htmlBody: '<p>Hello, your order <b>shipped</b>.</p>',
    });
  });

  it('lists every comment across cursor pages', async () => {
    const seeded = fake.seedTicket({ comments: ['one', 'two', 'three', 'four', 'five'] });
    const { client } = clientFor(fake, { pageSize: 2 });

    const comments = await client.listComments(seeded.id);

    expect(comments.map((c) => c.body)).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(comments[0]).toMatchObject({ public: true, authorId: seeded.requesterId });
    const pages = fake.requests.filter((r) => r.path.endsWith('/comments.json'));
    expect(pages).toHaveLength(3);
    expect(pages[1]?.query['page[after]']).toBeTruthy();
  });

  it('finds a group by name case-insensitively, ignores deleted groups, and caches the list', async () => {
    const local = await FakeZendesk.start();
    try {
      local.seedGroup({ name: 'Billing', deleted: true });
      const billing = local.seedGroup({ name: 'Billing ' });
      local.seedGroup({ name: 'Tier 2' });
      let now = 1_000_000;
      const { client } = clientFor(local, { now: () => now });

      expect(await client.findGroupByName('billing')).toEqual({
        id: billing.id,
        name: 'Billing ',
        deleted: false,
      });
      expect(await client.findGroupByName('TIER 2')).toMatchObject({ name: 'Tier 2' });
      expect(await client.findGroupByName('Nope')).toBeNull();
      expect(local.requests.filter((r) => r.path === '/api/v2/groups.json')).toHaveLength(1);

      // A name that is still missing after a minute triggers one refresh (a group just created).
      local.seedGroup({ name: 'Escalations' });
      now += 61_000;
      expect(await client.findGroupByName('Escalations')).toMatchObject({ name: 'Escalations' });
      expect(local.requests.filter((r) => r.path === '/api/v2/groups.json')).toHaveLength(2);
    } finally {
      await local.close();
    }
  });

  it('shares one group fetch between concurrent lookups', async () => {
    const local = await FakeZendesk.start();
    try {
      local.seedGroup({ name: 'Billing' });
      const { client } = clientFor(local);
      const results = await Promise.all([
        client.findGroupByName('Billing'),
        client.findGroupByName('billing'),
        client.findGroupByName('Other'),
      ]);
      expect(results.map((g) => g?.name ?? null)).toEqual(['Billing', 'Billing', null]);
      expect(local.requests).toHaveLength(1);
    } finally {
      await local.close();
    }
  });
});
