import { describe, expect, it } from 'vitest';
import {
  createZendeskClientFromConfig,
  HttpZendeskClient,
} from '../../../src/integrations/zendesk/client.js';
import { ZendeskApiError } from '../../../src/integrations/zendesk/errors.js';
import { zendeskAuthorizationHeader } from '../../../src/integrations/zendesk/http.js';
import { FakeZendesk } from '../../support/fake-zendesk.js';
import { clientFor, fileFakeZendesk } from './helpers.js';

const fake = await fileFakeZendesk({
  email: 'ops@acme.test',
  token: 'tok123',
  oauthToken: 'oauth-xyz',
});

describe('authentication', () => {
  it('sends {email}/token:{token} as basic auth', async () => {
    const seeded = fake.seedTicket();
    const { client } = clientFor(fake);

    await client.getTicket(seeded.id);

    const expected = `Basic ${Buffer.from('ops@acme.test/token:tok123').toString('base64')}`;
    expect(fake.requests[0]?.headers.authorization).toBe(expected);
    expect(
      zendeskAuthorizationHeader({ kind: 'token', email: 'ops@acme.test', token: 'tok123' }),
    ).toBe(expected);
  });

  it('sends an OAuth access token as a bearer token', async () => {
    const seeded = fake.seedTicket();
    const { client } = clientFor(fake, { auth: { kind: 'oauth', accessToken: 'oauth-xyz' } });

    await client.getTicket(seeded.id);

    expect(fake.requests[0]?.headers.authorization).toBe('Bearer oauth-xyz');
  });

  it('surfaces bad credentials as a non-retryable 401 without retrying', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake, {
      auth: { kind: 'token', email: 'ops@acme.test', token: 'wrong' },
    });

    const err = await client.getTicket(seeded.id).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ZendeskApiError);
    expect(err).toMatchObject({ status: 401, retryable: false, code: "Couldn't authenticate you" });
    expect(sleeps).toEqual([]);
  });

  it('builds https://{subdomain}.zendesk.com from config and refuses credentials in the URL', () => {
    const client = createZendeskClientFromConfig({
      ZENDESK_SUBDOMAIN: 'acme',
      ZENDESK_API_URL: undefined,
      ZENDESK_EMAIL: 'ops@acme.test',
      ZENDESK_API_TOKEN: 't',
    });
    expect(client?.baseUrl.href).toBe('https://acme.zendesk.com/');
    expect(
      createZendeskClientFromConfig({
        ZENDESK_SUBDOMAIN: 'acme',
        ZENDESK_API_URL: undefined,
        ZENDESK_EMAIL: undefined,
        ZENDESK_API_TOKEN: 't',
      }),
    ).toBeNull();
    expect(
      () =>
        new HttpZendeskClient({
          baseUrl: 'https://user:pw@acme.zendesk.com',
          auth: { kind: 'oauth', accessToken: 'x' },
        }),
    ).toThrow(/credentials/);
    expect(
      () =>
        new HttpZendeskClient({
          subdomain: 'evil.com/x',
          auth: { kind: 'oauth', accessToken: 'x' },
        }),
    ).toThrow(/subdomain/);
  });
});

describe('ids beyond 2^53', () => {
  const ticketId = '9007199254740993123'; // 19 digits
  const groupId = '9007199254740993'; // 2^53 + 1: a double would round it to ...992
  const requesterId = '18014398509481985';

  it('keeps every digit in URLs, request bodies and parsed responses', async () => {
    fake.seedGroup({ id: groupId, name: 'Big ids' });
    fake.seedTicket({ id: ticketId, requesterId });
    const { client } = clientFor(fake);

    const ticket = await client.getTicket(ticketId);
    expect(ticket.id).toBe(ticketId);
    expect(ticket.requesterId).toBe(requesterId);

    const updated = await client.updateTicket(ticketId, { groupId });
    expect(updated.groupId).toBe(groupId);
    expect(fake.ticket(ticketId).groupId).toBe(groupId);
    expect(fake.requests.at(-1)?.path).toBe(`/api/v2/tickets/${ticketId}.json`);
    expect(fake.requests.at(-1)?.rawBody).toBe(`{"ticket":{"group_id":${groupId}}}`);

    const { commentId, auditId } = await client.addComment(
      ticketId,
      { body: 'Hi', public: true, authorId: requesterId },
      { idempotencyKey: 'big-ids' },
    );
    const stored = fake.ticket(ticketId).comments.at(-1);
    expect(BigInt(stored?.id ?? 0)).toBeGreaterThan(2n ** 53n);
    expect(commentId).toBe(stored?.id);
    expect(auditId).toBe(stored?.auditId);
    expect(stored?.authorId).toBe(requesterId);

    const comments = await client.listComments(ticketId);
    expect(comments.at(-1)).toMatchObject({ id: stored?.id, auditId: stored?.auditId });
    expect(await client.findGroupByName('big ids')).toMatchObject({ id: groupId });
  });

  it('refuses ids that are not decimal digits before any request is made', async () => {
    const { client } = clientFor(fake);
    await expect(client.getTicket('1/../../users/me')).rejects.toThrow(TypeError);
    await expect(client.getTicket('1e3')).rejects.toThrow(TypeError);
    await expect(client.updateTicket('1', { groupId: '12; drop' })).rejects.toThrow(TypeError);
    expect(fake.requests).toEqual([]);
  });
});

describe('customer text stays out of errors and logs', () => {
  it('never puts the request body in an error or a log line', async () => {
    const seeded = fake.seedTicket();
    const { client, warnings } = clientFor(fake, { retry: { maxRetries: 2 } });
    fake.failNext(3, { status: 500 }, { method: 'PUT' });
    const secretText = 'My card is 4111 1111 1111 1111 and I live at 12 Elm St';

    const err = await client
      .addComment(seeded.id, { body: secretText, public: true }, { idempotencyKey: 'pii-1' })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ZendeskApiError);
    const everything = JSON.stringify([
      String(err),
      (err as Error).stack,
      { ...(err as object) },
      warnings,
    ]);
    expect(everything).not.toContain('4111');
    expect(everything).not.toContain('Elm St');
    expect(warnings).toHaveLength(2);
  });
});

describe('pagination links', () => {
  it('refuses to follow a next link to another origin (it would carry our credentials)', async () => {
    const rogue = await FakeZendesk.start({ linkOrigin: 'http://127.0.0.1:9' });
    try {
      const seeded = rogue.seedTicket({ comments: ['a', 'b', 'c'] });
      const { client } = clientFor(rogue, { pageSize: 2 });

      await expect(client.listComments(seeded.id)).rejects.toMatchObject({
        code: 'UnexpectedPaginationLink',
      });
      expect(rogue.requests).toHaveLength(1);
    } finally {
      await rogue.close();
    }
  });
});
