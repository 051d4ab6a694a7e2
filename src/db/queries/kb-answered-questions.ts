import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { kbAnsweredQuestions } from '../schema/kb-answered-questions.js';

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

/** Removes one answered question of an article; false when it was not there (any more). */
export async function forgetAnsweredQuestion(
  db: Db,
  articleId: string,
  id: string,
): Promise<boolean> {
  const gone = await db
    .delete(kbAnsweredQuestions)
    .where(and(eq(kbAnsweredQuestions.id, id), eq(kbAnsweredQuestions.articleId, articleId)))
    .returning({ id: kbAnsweredQuestions.id });
  return gone.length > 0;
}
