import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { AuditActorKind } from '../schema/audit-log.js';
import { kbAnsweredQuestions } from '../schema/kb-answered-questions.js';
import { withTransaction } from '../tx.js';
import { insertAuditEntry } from './audit.js';

/** How many answered questions an article has taught from, and the newest `limit` of them. */
export async function listAnsweredQuestions(db: Db, articleId: string, limit = 50) {
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: kbAnsweredQuestions.id,
        ticketId: kbAnsweredQuestions.ticketId,
        question: kbAnsweredQuestions.question,
        approvedBy: kbAnsweredQuestions.approvedBy,
        createdAt: kbAnsweredQuestions.createdAt,
      })
      .from(kbAnsweredQuestions)
      .where(eq(kbAnsweredQuestions.articleId, articleId))
      .orderBy(desc(kbAnsweredQuestions.createdAt), kbAnsweredQuestions.id)
      .limit(limit),
    db
      .select({ n: count() })
      .from(kbAnsweredQuestions)
      .where(eq(kbAnsweredQuestions.articleId, articleId)),
  ]);
  return { total: total?.n ?? 0, rows };
}

/**
 * Removes one answered question of an article and records who did it (`kb_lesson_forgotten`,
 * ids only), in one transaction; false when it was not there (any more).
 */
export async function forgetAnsweredQuestion(
  db: Db,
  articleId: string,
  id: string,
  actor: { kind: AuditActorKind; id: string | null },
): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    const gone = await tx
      .delete(kbAnsweredQuestions)
      .where(and(eq(kbAnsweredQuestions.id, id), eq(kbAnsweredQuestions.articleId, articleId)))
      .returning({ id: kbAnsweredQuestions.id, ticketId: kbAnsweredQuestions.ticketId });
    if (gone.length === 0) return false;
    await insertAuditEntry(tx, {
      action: 'kb_lesson_forgotten',
      actorKind: actor.kind,
      actorId: actor.id,
      data: { articleId, lessonId: id, ticketId: gone[0]!.ticketId },
    });
    return true;
  });
}
