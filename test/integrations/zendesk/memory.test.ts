import { describe, expect, it } from 'vitest';
import { ZendeskApiError, ZendeskConflictError } from '../../../src/integrations/zendesk/errors.js';
import { InMemoryZendeskClient } from '../../../src/integrations/zendesk/memory.js';

describe('InMemoryZendeskClient', () => {
  it('behaves like Zendesk for tags, safe updates, idempotent comments and groups', async () => {
    const zendesk = new InMemoryZendeskClient();
    zendesk.seedTicket({ id: '1', tags: ['web'] });
    const billing = zendesk.seedGroup('Billing');

    expect(await zendesk.addTags('1', ['billing', 'web'])).toEqual(['web', 'billing']);

    const read = await zendesk.getTicket('1');
    zendesk.touchTicket('1');
    await expect(
      zendesk.updateTicket(
        '1',
        { priority: 'high' },
        { safeUpdate: { updatedAt: read.updatedAt } },
      ),
    ).rejects.toBeInstanceOf(ZendeskConflictError);
    const fresh = await zendesk.getTicket('1');
    await expect(
      zendesk.updateTicket(
        '1',
        { priority: 'high', groupId: billing.id },
        { safeUpdate: { updatedAt: fresh.updatedAt } },
      ),
    ).resolves.toMatchObject({ priority: 'high', groupId: billing.id });

    const first = await zendesk.addComment(
      '1',
      { body: 'Hi', public: true },
      { idempotencyKey: 'k' },
    );
    const again = await zendesk.addComment(
      '1',
      { body: 'Hi', public: true },
      { idempotencyKey: 'k' },
    );
    expect(again).toEqual({ ...first, replayed: true });
    expect(await zendesk.listComments('1')).toHaveLength(1);

    expect(await zendesk.findGroupByName(' billing ')).toEqual(billing);
    await expect(zendesk.getTicket('2')).rejects.toBeInstanceOf(ZendeskApiError);
  });
});
