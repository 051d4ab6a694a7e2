import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citationsForChunks } from '../../../src/db/queries/ticket-page.js';
import { rowsOf } from '../../../src/db/rows.js';
import { auditLog } from '../../../src/db/schema/audit-log.js';
import { type Draft, drafts } from '../../../src/db/schema/drafts.js';
import { kbAnsweredQuestions } from '../../../src/db/schema/kb-answered-questions.js';
import { indexEvalCorpus } from '../../../src/kb/eval.js';
import { parseArticlesJsonl } from '../../../src/kb/sources/jsonl.js';
import { LEARNED_REASON } from '../../../src/pipeline/draft/draft.js';
import { sendManualReply } from '../../../src/pipeline/reply/manual.js';
import { approveDraft, rejectDraft } from '../../../src/pipeline/review/actions.js';
import { undoApproval } from '../../../src/pipeline/review/undo.js';
import { eraseCustomer } from '../../../src/privacy/erase.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { agentActor } from '../../support/drafts.js';
import { seedDraftedTicket } from '../../support/fixtures.js';
import { seedEmailTicket } from '../../support/tickets.js';

// A small FAQ; no article says "rebate", the word these customers use.
const docs = [
  {
    id: 'refund',
    title: 'Request a refund',
    body: 'To request a refund, open Orders, choose the order and press Request refund. The money goes back to your card within five days.',
  },
  {
    id: 'invoice',
    title: 'Download an invoice',
    body: 'Invoices are in Account, Billing. Press Download next to an order to get its invoice as a PDF.',
  },
  {
    id: 'password',
    title: 'Reset your password',
    body: 'On the sign-in page press Forgot password and follow the link we email you.',
  },
  {
    id: 'delivery',
    title: 'Delivery times',
    body: 'Orders ship within two working days; delivery takes three to five days after that.',
  },
];

let deps: TestDeps;
let noLearning: TestDeps;
const ana = agentActor('ana@example.com');

beforeAll(async () => {
  [deps, noLearning] = await Promise.all([
    createTestDeps(),
    createTestDeps({ DRAFT_LEARN: 'false' }),
  ]);
  const jsonl = docs.map((d) => JSON.stringify(d)).join('\n');
  for (const d of [deps, noLearning]) {
    await indexEvalCorpus(d.db, parseArticlesJsonl(jsonl), d.embedders[0]!);
  }
}, 60_000);
afterAll(async () => {
  await deps?.cleanup();
  await noLearning?.cleanup();
});

const draftOf = async (d: TestDeps, id: string): Promise<Draft> =>
  (await d.db.select().from(drafts).where(eq(drafts.id, id)))[0]!;
const lessons = (d: TestDeps) => d.db.select().from(kbAnsweredQuestions);

// The customer's own words, which no article uses.
const rebate = { subject: 'Rebate', body: 'I want my rebate, how?' };
// The same customer need, said once with the KB's words too: the draft finds the article.
const teaching = {
  subject: 'Rebate',
  body: 'How do I request a refund? I want a rebate. Write to me at ana.lima@example.org',
  from: 'kim@example.net',
  name: 'Kim Teacher',
};

/** `also`: words that make this question another one (the same words teach an article once). */
async function teach(d: TestDeps, also = ''): Promise<Draft> {
  const { draftId } = await seedDraftedTicket(d, { ...teaching, body: `${teaching.body}${also}` });
  const draft = await draftOf(d, draftId);
  expect(draft.citations[0]?.externalId).toBe('refund');
  expect((await approveDraft(d, { draftId, actor: ana })).ok).toBe(true);
  return draft;
}

describe('drafting learns from approvals', () => {
  it("answers a question in the customers' own words once an agent sent an article for it", async () => {
    // Before: nothing in the knowledge base says "rebate": no grounded answer.
    const before = await draftOf(deps, (await seedDraftedTicket(deps, rebate)).draftId);
    expect(before.state).toBe('abstained');

    const taught = await teach(deps);
    const [lesson] = await lessons(deps);
    expect(lesson).toMatchObject({ draftId: taught.id, approvedBy: 'ana@example.com' });
    // Kept redacted, as retrieval reads it.
    expect(lesson!.question).toContain('rebate');
    expect(lesson!.question).not.toContain('ana.lima@example.org');
    expect(lesson!.lexemes).toContain('rebat');

    const after = await draftOf(deps, (await seedDraftedTicket(deps, rebate)).draftId);
    expect(after.state).toBe('answered');
    expect(after.citations[0]?.externalId).toBe('refund');
    expect(after.confidence).toBeGreaterThanOrEqual(0.5);
    expect(after.reason?.startsWith(LEARNED_REASON)).toBe(true);
  });

  it('learns the same words for an article once, however many agents approve them', async () => {
    const before = (await lessons(deps)).length;
    await teach(deps, ' Thanks, Pat.');
    await teach(deps, ' Thanks, Pat.');
    expect(await lessons(deps)).toHaveLength(before + 1);
  });

  it('learns nothing with DRAFT_LEARN=false, and does not read lessons', async () => {
    await teach(noLearning);
    expect(await lessons(noLearning)).toHaveLength(0);
    const after = await draftOf(noLearning, (await seedDraftedTicket(noLearning, rebate)).draftId);
    expect(after.state).toBe('abstained');
  });

  it('forgets an approval taken back, and learns nothing from an auto-send', async () => {
    const before = (await lessons(deps)).length;
    const taught = await teach(deps, ' Cheers, Lee.');
    expect(await lessons(deps)).toHaveLength(before + 1);
    expect((await undoApproval(deps, { draftId: taught.id, actor: ana })).ok).toBe(true);
    expect(await lessons(deps)).toHaveLength(before);

    const { draftId } = await seedDraftedTicket(deps, {
      ...teaching,
      body: `${teaching.body} Ta, Kit.`,
    });
    expect((await approveDraft(deps, { draftId, actor: ana, auto: true })).ok).toBe(true);
    expect(await lessons(deps)).toHaveLength(before);
  });

  it('learns from a reply written by hand with an article inserted, and forgets it on undo', async () => {
    const before = (await lessons(deps)).length;
    const { ticketId } = await seedEmailTicket(deps.db, {
      subject: 'Money back',
      body: 'My lamp broke. I want my money back, how?',
    });
    const [chunk] = rowsOf<{ id: string }>(
      await deps.db.execute(sql`select c.id from kb_chunks c join kb_articles a on a.id = c.article_id
        where a.external_id = 'refund' order by c.ordinal limit 1`),
    );
    const sent = await sendManualReply(deps, {
      ticketId,
      actor: ana,
      text: 'Sorry about the lamp! Here is how to request a refund: open Orders… [1]',
      idempotencyKey: 'manual-refund-1',
      citations: await citationsForChunks(deps.db, [chunk!.id]),
    });
    expect(sent.ok).toBe(true);
    const taught = await lessons(deps);
    expect(taught).toHaveLength(before + 1);
    expect(taught.at(-1)?.question).toContain('money back');
    if (!sent.ok) return;
    expect((await undoApproval(deps, { draftId: sent.draft.id, actor: ana })).ok).toBe(true);
    expect(await lessons(deps)).toHaveLength(before);
  });

  it('goes with the customer on erasure, and with a person it names', async () => {
    expect((await lessons(deps)).length).toBeGreaterThan(0);
    // The lesson's question (redacted at intake of the address only) names nobody else; the
    // teaching customer's erasure takes their tickets and so their lessons.
    await eraseCustomer(deps.db, 'kim@example.net', { kind: 'system', id: null });
    expect(await lessons(deps)).toHaveLength(0);

    // Another customer's question that names a person: erasing that person forgets it.
    await teach(deps);
    await deps.db
      .update(kbAnsweredQuestions)
      .set({ question: 'Rebate for Sam Other: how do I request a refund?' });
    const sam = await seedDraftedTicket(deps, {
      ...rebate,
      from: 'sam@example.net',
      name: 'Sam Other',
    });
    expect(sam.draftId).toBeTruthy();
    await eraseCustomer(deps.db, 'sam@example.net', { kind: 'system', id: null });
    expect(await lessons(deps)).toHaveLength(0);
  });

  it("unlearns a lesson whose draft an agent rejects as a wrong answer (other reasons don't)", async () => {
    await teach(deps, ' Regards, Jo.');
    const asked = { subject: 'Rebate', body: 'I want my rebate, how? Regards, Jo.' };
    // Rejected for its tone: the lesson stays.
    const first = await draftOf(deps, (await seedDraftedTicket(deps, asked)).draftId);
    expect(first.answeredQuestionId).toBeTruthy();
    expect((await rejectDraft(deps, { draftId: first.id, actor: ana, reason: 'Tone' })).ok).toBe(
      true,
    );
    expect(await lessons(deps)).toHaveLength(1);
    // Rejected as a wrong answer: gone, audited; the next such question abstains again.
    const second = await draftOf(deps, (await seedDraftedTicket(deps, asked)).draftId);
    expect(second.answeredQuestionId).toBe(first.answeredQuestionId);
    expect(
      (await rejectDraft(deps, { draftId: second.id, actor: ana, reason: 'Wrong answer' })).ok,
    ).toBe(true);
    expect(await lessons(deps)).toHaveLength(0);
    const [entry] = await deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'kb_lesson_forgotten'));
    expect(entry).toMatchObject({
      actorKind: 'user',
      actorId: 'ana@example.com',
      data: { lessonId: second.answeredQuestionId, rejectedDraftId: second.id },
    });
    const third = await draftOf(deps, (await seedDraftedTicket(deps, asked)).draftId);
    expect(third.answeredQuestionId).toBeNull();
  });
});
