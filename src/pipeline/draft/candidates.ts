import type { Db } from '../../db/client.js';
import { queryTerms } from '../../kb/evidence.js';
import { textConfigFor } from '../../kb/language.js';
import { type SearchOptions, type SearchResult, searchKnowledgeBase } from '../../kb/search.js';
import { kbBaseline } from './baseline.js';
import { type ArticleCandidate, confidenceModel, rankArticles } from './confidence.js';

export interface Candidates {
  search: SearchResult;
  /** Articles in rank order, each with its own calibrated confidence. */
  articles: ArticleCandidate[];
}

/**
 * Retrieval for a draft: passages (two per article at most), grouped by article, each article
 * scored with the calibrated confidence against the knowledge base's baseline (computed once per
 * KB state). One extra query (the query's word statistics) on top of the search, and one for the
 * baseline's freshness unless the caller read the KB's signature already (`kbSignatureSql`).
 * `known.spelling`, when given, replaces `options.spelling` for this question's search only (null:
 * as written, the question is not English): the baseline's English sentences are read with the
 * configured correction whichever question computes it first.
 */
export async function findCandidates(
  db: Db,
  query: string,
  options: SearchOptions,
  known: { kbSignature?: string; spelling?: SearchOptions['spelling'] } = {},
  model = confidenceModel,
): Promise<Candidates> {
  const spelling = known.spelling === undefined ? options.spelling : known.spelling;
  // The baseline's freshness check (one small read) runs beside the search, not before it.
  const [baseline, search] = await Promise.all([
    kbBaseline(db, options, known.kbSignature),
    searchKnowledgeBase(
      db,
      { query, limit: 8, perArticle: 2 },
      { ...options, spelling, kbSignature: known.kbSignature ?? options.kbSignature },
    ),
  ]);
  const articleIds = [...new Set(search.passages.map((p) => p.articleId))];
  const configs = [...new Set(search.passages.map((p) => textConfigFor(p.language)))];
  // The query as searched (spelling corrected): the features read the words retrieval matched.
  const terms = await queryTerms(db, search.query, articleIds, configs);
  return { search, articles: rankArticles(search, terms, baseline, model) };
}
