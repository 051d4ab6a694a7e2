import type { Db } from '../../db/client.js';
import { type AnsweredMatch, answeredMatches } from '../../kb/answered.js';
import { termsOfSearch } from '../../kb/evidence.js';
import { textConfigFor } from '../../kb/language.js';
import {
  articlePassages,
  type SearchOptions,
  type SearchResult,
  searchKnowledgeBase,
} from '../../kb/search.js';
import { kbBaseline } from './baseline.js';
import {
  type ArticleCandidate,
  answeredConfidence,
  confidenceModel,
  rankArticles,
} from './confidence.js';

export interface Candidates {
  search: SearchResult;
  /** Articles in rank order, each with its own calibrated confidence. */
  articles: ArticleCandidate[];
}

/**
 * Retrieval for a draft: passages (two per article at most), grouped by article, each article
 * scored with the calibrated confidence against the knowledge base's baseline (computed once per
 * KB state). One statement: the search also reads the query's word statistics (a statement of its
 * own when the search is not one, or an answered question brings an article it did not find),
 * plus one for the baseline's freshness unless the caller read the KB's signature already
 * (`kbSignatureSql`).
 * `known.spelling`, when given, replaces `options.spelling` for this question's search only (null:
 * as written, the question is not English): the baseline's English sentences are read with the
 * configured correction whichever question computes it first.
 */
export async function findCandidates(
  db: Db,
  query: string,
  options: SearchOptions,
  known: {
    kbSignature?: string;
    spelling?: SearchOptions['spelling'];
    /** Whether questions the team answered before count (DRAFT_LEARN; default true). */
    answered?: boolean;
  } = {},
  model = confidenceModel,
): Promise<Candidates> {
  const spelling = known.spelling === undefined ? options.spelling : known.spelling;
  // The baseline's freshness check (one small read) and the answered questions (one read, which
  // reads nothing more while there are none) run beside the search, not before it.
  const [baseline, search, answered] = await Promise.all([
    kbBaseline(db, options, known.kbSignature),
    searchKnowledgeBase(
      db,
      { query, limit: 8, perArticle: 2, terms: true },
      { ...options, spelling, kbSignature: known.kbSignature ?? options.kbSignature },
    ),
    known.answered === false ? Promise.resolve([]) : answeredMatches(db, query),
  ]);
  const lessons = answered.map((m) => ({ ...m, confidence: answeredConfidence(m.similarity) }));
  // An article the team chose for this question but the search did not find (the question's
  // words are not the article's: that is what the lesson taught): its opening passages.
  const found = new Set(search.passages.map((p) => p.articleId));
  const missing = lessons.filter((l) => !found.has(l.articleId) && l.confidence >= 0.5);
  const passages = [
    ...search.passages,
    ...(await articlePassages(
      db,
      missing.map((l) => l.articleId),
      2,
    )),
  ];
  const articleIds = [...new Set(passages.map((p) => p.articleId))];
  const configs = [...new Set(passages.map((p) => textConfigFor(p.language)))];
  // The query as searched (spelling corrected): the features read the words retrieval matched.
  // From the search's own statement unless a lesson brought an article it did not find.
  const terms = await termsOfSearch(db, search, articleIds, configs);
  const ranked = rankArticles({ ...search, passages }, terms, baseline, model);
  return { search, articles: withLessons(ranked, lessons) };
}

/**
 * Each article's confidence is the higher of retrieval's and its nearest answered question's;
 * articles whose lesson is surer than the best-ranked article move ahead of it, surest first.
 */
export function withLessons(
  articles: readonly ArticleCandidate[],
  lessons: readonly (AnsweredMatch & { confidence: number })[],
): ArticleCandidate[] {
  if (lessons.length === 0) return [...articles];
  const byArticle = new Map(lessons.map((l) => [l.articleId, l]));
  const taught = articles.map((a) => {
    const lesson = byArticle.get(a.articleId);
    if (!lesson) return a;
    return {
      ...a,
      confidence: Math.max(a.confidence, lesson.confidence),
      answered: {
        questionId: lesson.questionId,
        similarity: lesson.similarity,
        confidence: lesson.confidence,
      },
    };
  });
  const lead = articles[0]?.confidence ?? 0;
  const ahead = taught
    .filter((a) => (a.answered?.confidence ?? 0) > lead)
    .sort((a, b) => b.answered!.confidence - a.answered!.confidence);
  return [...ahead, ...taught.filter((a) => !ahead.includes(a))];
}
