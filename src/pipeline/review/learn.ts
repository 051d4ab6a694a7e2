import { eq, sql } from 'drizzle-orm';
import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { insertAuditEntry } from '../../db/queries/audit.js';
import { queryRows } from '../../db/queries/kb.js';
import type { Draft } from '../../db/schema/drafts.js';
import { kbAnsweredQuestions } from '../../db/schema/kb-answered-questions.js';
import type { Deps } from '../../deps.js';
import { recordAnsweredQuestion } from '../../kb/answered.js';
import { textConfigFor } from '../../kb/language.js';
import { redactText } from '../../privacy/redact.js';

/**
 * What an agent's approval teaches drafting (src/kb/answered.ts): the question the draft answered
 * and the article it cited first. Only a person's judgement teaches: an approved draft, or a
 * reply written by hand with an article inserted with its citation — not an auto-send, not an
 * abstained draft's holding text, and not a draft the agent rewrote (more words changed than half
 * the draft's: the article was not their answer).
 */
export function teaches(draft: Draft): boolean {
  if (!draft.decidedBy || draft.autoSent) return false;
  if (!['extractive', 'llm', 'manual'].includes(draft.kind)) return false;
  if (draft.citations.length === 0 || !draft.messageId) return false;
  const words = draft.bodyText.split(/\s+/).filter(Boolean).length;
  return (draft.editDistance ?? 0) * 2 <= words;
}

/**
 * Records the lesson of an approved draft (two statements: the question's text, then the
 * lesson). Best effort: a lesson missed costs nothing a customer sees, so a failure is logged (by
 * id, never the text) and the approval stands. Idempotent per draft.
 */
export async function learnFromApproval(
  deps: Pick<Deps, 'db' | 'config' | 'log'>,
  draft: Draft,
): Promise<boolean> {
  if (!deps.config.DRAFT_LEARN || !teaches(draft)) return false;
  const cited = draft.citations[0]!;
  try {
    const [row] = await queryRows<{
      subject: string | null;
      text: string | null;
      language: string | null;
    }>(
      deps.db,
      sql`
        select t.subject, coalesce(nullif(m.stripped_text, ''), m.body_text) text,
          (select a.language from kb_articles a where a.id = ${cited.articleId}) language
        from messages m join tickets t on t.id = m.ticket_id
        where m.id = ${draft.messageId} and t.id = ${draft.ticketId}`,
    );
    // The article was deleted meanwhile: nothing to point the question at.
    if (!row?.language) return false;
    const question = redactText([row.subject ?? '', row.text ?? ''].join('\n').slice(0, 2_000));
    return await recordAnsweredQuestion(deps.db, {
      articleId: cited.articleId,
      ticketId: draft.ticketId,
      draftId: draft.id,
      textConfig: textConfigFor(row.language),
      question,
      approvedBy: draft.decidedBy,
    });
  } catch (err) {
    deps.log.warn(
      { draftId: draft.id, err: err instanceof Error ? err.message : String(err) },
      'could not record what the approval teaches',
    );
    return false;
  }
}

/** An approval taken back (undo) teaches nothing. */
export async function forgetApproval(db: Db, draftId: string): Promise<void> {
  await db.delete(kbAnsweredQuestions).where(eq(kbAnsweredQuestions.draftId, draftId));
}

/**
 * A draft whose article a lesson chose, rejected as a wrong answer: the lesson goes (audited as
 * `kb_lesson_forgotten`, ids only, with the rejecting agent), so the next question like it is not
 * answered from that article on its account. In the rejection's transaction.
 */
export async function forgetLessonOfDraft(
  tx: Db,
  draft: Pick<Draft, 'id' | 'answeredQuestionId'>,
  actor: Actor,
): Promise<boolean> {
  if (!draft.answeredQuestionId) return false;
  const [gone] = await tx
    .delete(kbAnsweredQuestions)
    .where(eq(kbAnsweredQuestions.id, draft.answeredQuestionId))
    .returning({
      articleId: kbAnsweredQuestions.articleId,
      ticketId: kbAnsweredQuestions.ticketId,
    });
  if (!gone) return false;
  await insertAuditEntry(tx, {
    action: 'kb_lesson_forgotten',
    actorKind: actor.kind,
    actorId: actor.id,
    data: {
      articleId: gone.articleId,
      lessonId: draft.answeredQuestionId,
      ticketId: gone.ticketId,
      rejectedDraftId: draft.id,
    },
  });
  return true;
}
