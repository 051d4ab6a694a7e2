import type { Db } from '../../db/client.js';
import { queryTerms } from '../../kb/evidence.js';
import { type SearchOptions, type SearchResult, searchKnowledgeBase } from '../../kb/search.js';
import { type ArticleCandidate, confidenceModel, rankArticles } from './confidence.js';

export interface Candidates {
  search: SearchResult;
  /** Articles in rank order, each with its own calibrated confidence. */
  articles: ArticleCandidate[];
}

/**
 * Retrieval for a draft: passages (two per article at most), grouped by article, each article
 * scored with the calibrated confidence. One extra query (the query's word statistics) on top of
 * the search.
 */
export async function findCandidates(
  db: Db,
  query: string,
  options: SearchOptions,
  model = confidenceModel,
): Promise<Candidates> {
  const search = await searchKnowledgeBase(db, { query, limit: 8, perArticle: 2 }, options);
  const articleIds = [...new Set(search.passages.map((p) => p.articleId))];
  const terms = await queryTerms(db, query, articleIds);
  return { search, articles: rankArticles(search.passages, terms, model) };
}
