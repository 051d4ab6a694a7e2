import { z } from '@hono/zod-openapi';
import type { KbArticle } from '../../../db/schema/kb-articles.js';
import type { Passage } from '../../../kb/search.js';

export const articleInputSchema = z
  .object({
    externalId: z.string().min(1).max(500).optional().openapi({
      description: 'Your id for the article; generated when absent.',
    }),
    title: z.string().min(1).max(1000),
    body: z.string().max(1_000_000),
    format: z.enum(['markdown', 'html', 'text']).default('markdown'),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2000)
      .nullish(),
    tags: z.array(z.string().min(1).max(100)).max(100).default([]),
    language: z
      .string()
      .regex(
        /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/,
        'expected a language code such as en or pt-BR',
      )
      .default('en'),
    product: z.string().min(1).max(200).nullish(),
    gapTicketIds: z.array(z.uuid()).max(1_000).optional().openapi({
      description:
        'Tickets of a knowledge-base gap (`cli kb gaps`, the dashboard) this article answers: linked to it, and they leave the gap report.',
    }),
  })
  .openapi('KbArticleInput');

export const articleSchema = z
  .object({
    id: z.uuid(),
    source: z.string(),
    externalId: z.string(),
    title: z.string(),
    body: z.string(),
    format: z.enum(['markdown', 'html', 'text']),
    url: z.string().nullable(),
    tags: z.array(z.string()),
    language: z.string(),
    product: z.string().nullable(),
    /** False until the kb-index job has chunked and embedded the current content. */
    indexed: z.boolean(),
    /** Single-article responses only: the gap tickets the article was written for. */
    gapTicketIds: z.array(z.string()).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('KbArticle');

export function toArticleJson(article: KbArticle): z.infer<typeof articleSchema> {
  return {
    id: article.id,
    source: article.source,
    externalId: article.externalId,
    title: article.title,
    body: article.body,
    format: article.format,
    url: article.url,
    tags: article.tags,
    language: article.language,
    product: article.product,
    indexed: article.indexedHash === article.contentHash,
    createdAt: article.createdAt.toISOString(),
    updatedAt: article.updatedAt.toISOString(),
  };
}

export const articleIdParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const searchRequestSchema = z
  .object({
    query: z.string().trim().min(1).max(2000),
    limit: z.number().int().min(1).max(50).default(5),
    mode: z.enum(['hybrid', 'lexical', 'vector']).default('hybrid'),
    perArticle: z.number().int().min(1).max(20).default(2),
    filters: z
      .object({
        tags: z.array(z.string().min(1)).max(50).optional(),
        language: z.string().min(2).max(10).optional(),
        product: z.string().min(1).max(200).optional(),
      })
      .optional(),
    spelling: z.boolean().default(true).openapi({
      description:
        'Read misspelt English words as the knowledge base\'s words (KB_SPELLING); false searches the query as written ("search instead for").',
    }),
  })
  .openapi('KbSearchRequest');

export const passageSchema = z
  .object({
    chunkId: z.uuid(),
    articleId: z.uuid(),
    externalId: z.string(),
    title: z.string(),
    url: z.string().nullable(),
    section: z.string(),
    text: z.string(),
    tags: z.array(z.string()),
    language: z.string(),
    score: z.number(),
    scores: z.object({
      lexical: z.number().nullable(),
      vector: z.number().nullable(),
      lexicalRank: z.number().int().nullable(),
      vectorRank: z.number().int().nullable(),
    }),
  })
  .openapi('KbPassage');

export const searchResponseSchema = z
  .object({
    query: z.string().openapi({ description: 'The query as asked' }),
    correctedQuery: z.string().nullable().openapi({
      description:
        'The query as searched when spelling correction changed it ("Showing results for …"); null when searched as asked',
    }),
    passages: z.array(passageSchema),
    model: z.string().nullable().openapi({ description: 'Embedding model of the vector side' }),
    tookMs: z.number(),
  })
  .openapi('KbSearchResponse');

export function toPassageJson(passage: Passage): z.infer<typeof passageSchema> {
  return passage;
}
