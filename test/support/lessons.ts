import { expect } from 'vitest';
import {
  type KbAnsweredQuestion,
  kbAnsweredQuestions,
} from '../../src/db/schema/kb-answered-questions.js';
import { indexEvalCorpus } from '../../src/kb/eval.js';
import { parseArticlesJsonl } from '../../src/kb/sources/jsonl.js';
import { approveDraft } from '../../src/pipeline/review/actions.js';
import type { TestDeps } from './deps.js';
import { agentActor } from './drafts.js';
import { seedDraftedTicket } from './fixtures.js';

/** A one-article knowledge base: "Request a refund". */
export async function importRefundArticle(deps: TestDeps): Promise<void> {
  await indexEvalCorpus(
    deps.db,
    parseArticlesJsonl(
      JSON.stringify({
        id: 'refund',
        title: 'Request a refund',
        body: 'To request a refund, open Orders, choose the order and press Request refund.',
      }),
    ),
    deps.embedders[0]!,
  );
}

/**
 * A drafted ticket asking `body` (subject "Rebate"), approved by `approver`: drafting learns it
 * (src/pipeline/review/learn.ts). Returns the lesson.
 */
export async function approveAndLearn(
  deps: TestDeps,
  body: string,
  approver = 'al@example.com',
): Promise<KbAnsweredQuestion> {
  const { draftId } = await seedDraftedTicket(deps, { subject: 'Rebate', body });
  expect((await approveDraft(deps, { draftId, actor: agentActor(approver) })).ok).toBe(true);
  const [lesson] = await deps.db.select().from(kbAnsweredQuestions);
  return lesson!;
}
