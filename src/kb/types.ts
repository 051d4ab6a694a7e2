import type { KbArticleFormat } from '../db/schema/kb-articles.js';

/** One article as every importer produces it, before it is stored. */
export interface ArticleInput {
  externalId: string;
  title: string;
  body: string;
  format: KbArticleFormat;
  url?: string | null;
  tags?: string[];
  /** ISO 639-1 code or a locale such as `en-us`; defaults to `en`. */
  language?: string | null;
  product?: string | null;
}
