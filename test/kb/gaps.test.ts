import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDraft, transitionDraft } from '../../src/db/queries/drafts.js';
import { clusterGaps, gapsCsv, knowledgeGaps, parseSince } from '../../src/kb/gaps.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { seedEmailTicket } from '../support/tickets.js';

const now = new Date('2026-06-30T12:00:00Z');
const day = 86_400_000;
const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * day);

describe('clusterGaps', () => {
  it('groups similar unanswered questions into topics labelled by their salient words', () => {
    const tickets = [
      ['Invoice VAT number', 'How do I add my VAT number to the invoice?', 25],
      ['VAT on invoices', 'My invoice is missing the VAT number of my company', 3],
      ['invoice vat', 'Can you put our VAT number on the invoice please', 2],
      ['Dark mode', 'Is there a dark mode in the mobile app?', 20],
      ['dark theme', 'Please add a dark mode to the app', 1],
      ['Gift cards', 'Do you sell gift cards?', 10],
    ].map(([subject, text, daysAgo], i) => ({
      ticketId: `t${i}`,
      subject: subject as string,
      text: text as string,
      createdAt: at(daysAgo as number),
      why: i === 1 ? 'rejected' : 'abstained',
    }));
    const topics = clusterGaps(tickets, { since: at(30), until: now });
    expect(topics.map((t) => t.count)).toEqual([3, 2, 1]);
    const [vat, dark] = topics;
    expect(vat!.terms).toEqual(expect.arrayContaining(['vat']));
    expect(vat!.label).toMatch(/vat|invoice/);
    expect(vat!).toMatchObject({ abstained: 2, rejected: 1, trend: 1 });
    expect(vat!.examples.map((e) => e.ticketId)).toEqual(['t2', 't1', 't0']);
    expect(dark!.terms).toEqual(expect.arrayContaining(['dark']));
    expect(gapsCsv(topics).split('\r\n')[0]).toBe(
      'topic,tickets,trend,abstained,rejected,examples,ticket_ids',
    );
  });

  it('parses --since durations and refuses others', () => {
    expect(parseSince('30d')).toBe(30 * day);
    expect(parseSince('12h')).toBe(12 * 3_600_000);
    expect(parseSince('2w')).toBe(14 * day);
    expect(() => parseSince('thirty days')).toThrow(/--since/);
  });
});

describe('knowledgeGaps', () => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps();
  });
  afterAll(async () => {
    await deps.cleanup();
  });

  it('reads abstained drafts and drafts rejected as wrong, not other rejections', async () => {
    const draftFor = async (body: string, values: Partial<Parameters<typeof insertDraft>[1]>) => {
      const { ticketId } = await seedEmailTicket(deps.db, { subject: body, body });
      return insertDraft(deps.db, {
        ticketId,
        kind: 'extractive',
        bodyText: 'Hello',
        model: 'test',
        ...values,
      });
    };
    await draftFor('Do you sell gift cards?', { kind: 'no_answer', state: 'abstained' });
    await draftFor('Can I buy a gift card for a friend?', {
      kind: 'no_answer',
      state: 'abstained',
    });
    const wrong = await draftFor('Can I buy a gift card online?', {});
    await transitionDraft(
      deps.db,
      wrong.id,
      { status: 'pending_approval' },
      {
        status: 'rejected',
        rejectReason: 'Wrong answer: talks about refunds',
      },
    );
    const tone = await draftFor('Where is my parcel?', {});
    await transitionDraft(
      deps.db,
      tone.id,
      { status: 'pending_approval' },
      {
        status: 'rejected',
        rejectReason: 'Wrong tone',
      },
    );
    await draftFor('How do I reset my password?', {});

    const report = await knowledgeGaps(deps.db, { sinceMs: 30 * day });
    expect(report.tickets).toBe(3);
    expect(report.topics[0]).toMatchObject({ count: 3, abstained: 2, rejected: 1 });
    expect(report.topics[0]!.terms).toEqual(expect.arrayContaining(['gift']));
    expect(JSON.stringify(report)).not.toContain('parcel');
  });
});
