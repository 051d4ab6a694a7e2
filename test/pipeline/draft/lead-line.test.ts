import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drafts } from '../../../src/db/schema/drafts.js';
import { indexEvalCorpus } from '../../../src/kb/eval.js';
import { parseArticlesJsonl } from '../../../src/kb/sources/jsonl.js';
import { leadLine } from '../../../src/pipeline/draft/draft.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { seedDraftedTicket } from '../../support/fixtures.js';

describe('leadLine', () => {
  it('is the subject when there is one', () => {
    expect(leadLine('Cancel my order', 'I placed it yesterday.\nThanks')).toBe('Cancel my order');
  });
  it('is the first line of a message without a subject when more follows', () => {
    expect(leadLine(null, 'How do I cancel?\n\nI placed an order yesterday.')).toBe(
      'How do I cancel?',
    );
    expect(leadLine('  ', 'How do I cancel?\nI placed it.')).toBe('How do I cancel?');
  });
  it('is empty for a one-line message without a subject (it is all lead)', () => {
    expect(leadLine(undefined, 'How do I cancel my order?')).toBe('');
    expect(leadLine(null, '  How do I cancel my order?  \n')).toBe('');
  });
});

// Two articles that share most words; the ticket's context is about placing an order, its question
// (the subject) about cancelling one.
const docs = [
  {
    id: 'cancel-order',
    title: 'Cancel an order',
    body: 'To cancel an order, open Orders in your account and press Cancel before the order ships. A cancelled order is refunded to the card you paid with.',
  },
  {
    id: 'place-order',
    title: 'Place an order',
    body: 'To place an order, add the items to your cart, choose a delivery address and pay by card. You can place an order as a guest; the order confirmation arrives by email with the items and the delivery date.',
  },
  {
    id: 'returns',
    title: 'Returns',
    body: 'Items can be returned within 30 days of delivery for a refund.',
  },
];
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
  const jsonl = docs.map((d) => JSON.stringify(d)).join('\n');
  await indexEvalCorpus(deps.db, parseArticlesJsonl(jsonl), deps.embedders[0]!);
}, 60_000);
afterAll(() => deps?.cleanup());

describe('the draft reads the subject as the question', () => {
  it('cites the article about the subject first, not the one about the context that follows', async () => {
    const { draftId } = await seedDraftedTicket(deps, {
      subject: 'Cancel my order',
      body: 'I placed it yesterday, by mistake, as a guest.',
    });
    const [draft] = await deps.db.select().from(drafts).where(eq(drafts.id, draftId));
    expect(draft?.citations[0]?.externalId).toBe('cancel-order');
  });
});
