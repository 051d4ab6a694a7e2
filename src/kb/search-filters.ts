import { type SQL, sql } from 'drizzle-orm';
import { normalizeLanguage } from './language.js';

/** What both sides of a knowledge-base search share: the filters and the candidates they return. */

export interface SearchFilters {
  /** Passages from articles carrying at least one of these tags. */
  tags?: string[];
  /** ISO 639-1 code of the article language. */
  language?: string;
  product?: string;
}

/** A chunk one side of the search proposes, with that side's score. */
export interface Candidate {
  chunkId: string;
  score: number;
  /**
   * Lexical side only: share of the article title's words (numbers aside) that the query has, in
   * [0, 1]. An FAQ title names what the article answers: a query with every word of one title
   * is about that article even when another article's body repeats the query's other words.
   */
  titleCover?: number;
}

export function filterConditions(filters: SearchFilters | undefined): SQL[] {
  const conditions: SQL[] = [];
  if (filters?.tags?.length) {
    const tags = sql.join(
      filters.tags.map((tag) => sql`${tag}`),
      sql`, `,
    );
    conditions.push(sql`c.tags && array[${tags}]::text[]`);
  }
  if (filters?.language) conditions.push(sql`c.language = ${normalizeLanguage(filters.language)}`);
  if (filters?.product) conditions.push(sql`c.product = ${filters.product}`);
  return conditions;
}

export function hasFilters(filters: SearchFilters | undefined): boolean {
  return Boolean(filters?.tags?.length || filters?.language || filters?.product);
}

export function whereClause(conditions: SQL[]): SQL {
  return conditions.length ? sql`and ${sql.join(conditions, sql` and `)}` : sql``;
}
