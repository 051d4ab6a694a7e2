import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { getArticle, listArticles } from '../../../db/queries/kb.js';
import { listArticleGapTickets } from '../../../db/queries/kb-gap-links.js';
import { createArticle, removeArticle, replaceArticle } from '../../../kb/articles.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { articleIdParams, articleInputSchema, articleSchema, toArticleJson } from './schemas.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/kb/articles',
  summary: 'List knowledge-base articles',
  security: [{ apiKey: [] }],
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      after: z
        .uuid()
        .optional()
        .openapi({ description: 'Cursor: the last id of the previous page' }),
      source: z.string().optional(),
    }),
  },
  responses: {
    200: json(
      z.object({ articles: z.array(articleSchema), nextCursor: z.string().nullable() }),
      'A page of articles, ordered by id',
    ),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/kb/articles/{id}',
  summary: 'Get one article',
  security: [{ apiKey: [] }],
  request: { params: articleIdParams },
  responses: { 200: json(articleSchema, 'The article') },
});

const createArticleRoute = createRoute({
  method: 'post',
  path: '/api/kb/articles',
  summary: 'Create an article (indexed in the background)',
  security: [{ apiKey: [] }],
  request: {
    body: { content: { 'application/json': { schema: articleInputSchema } }, required: true },
  },
  responses: { 201: json(articleSchema, 'Created; `indexed` turns true once kb-index ran') },
});

const updateRoute = createRoute({
  method: 'put',
  path: '/api/kb/articles/{id}',
  summary: 'Replace an article; re-indexed only if its content changed',
  security: [{ apiKey: [] }],
  request: {
    params: articleIdParams,
    body: { content: { 'application/json': { schema: articleInputSchema } }, required: true },
  },
  responses: { 200: json(articleSchema, 'The stored article') },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/kb/articles/{id}',
  summary: 'Delete an article; it leaves search results at once',
  security: [{ apiKey: [] }],
  request: { params: articleIdParams },
  responses: { 204: { description: 'Deleted' } },
});

async function withGapTickets(
  deps: KbRouteDeps,
  article: ReturnType<typeof toArticleJson>,
): Promise<ReturnType<typeof toArticleJson>> {
  const links = await listArticleGapTickets(deps.db, article.id);
  return { ...article, gapTicketIds: links.map((l) => l.ticketId) };
}

export function registerArticleRoutes(app: Router, deps: KbRouteDeps) {
  app.openapi(listRoute, async (c) => {
    const { limit, after, source } = c.req.valid('query');
    const rows = await listArticles(deps.db, { limit: limit + 1, after, source });
    const page = rows.slice(0, limit);
    return c.json(
      {
        articles: page.map(toArticleJson),
        nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      },
      200,
    );
  });

  app.openapi(getRoute, async (c) => {
    const article = await getArticle(deps.db, c.req.valid('param').id);
    if (!article) throw new AppError('not_found', 'No such article');
    return c.json(await withGapTickets(deps, toArticleJson(article)), 200);
  });

  app.openapi(createArticleRoute, async (c) => {
    const { gapTicketIds, ...input } = c.req.valid('json');
    const result = await createArticle(
      deps.db,
      { ...input, externalId: input.externalId ?? randomUUID() },
      { gapTicketIds },
    );
    if (result.outcome === 'conflict') {
      throw new AppError(
        'conflict',
        `An article with externalId ${result.article.externalId} exists`,
      );
    }
    if (result.outcome === 'not_found') throw new AppError('internal_error', 'Article vanished');
    return c.json(await withGapTickets(deps, toArticleJson(result.article)), 201);
  });

  app.openapi(updateRoute, async (c) => {
    const { gapTicketIds, ...input } = c.req.valid('json');
    const result = await replaceArticle(deps.db, c.req.valid('param').id, input, { gapTicketIds });
    if (result.outcome === 'not_found') throw new AppError('not_found', 'No such article');
    if (result.outcome === 'conflict') {
      throw new AppError(
        'conflict',
        `An article with externalId ${result.article.externalId} exists`,
      );
    }
    return c.json(await withGapTickets(deps, toArticleJson(result.article)), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    if (!(await removeArticle(deps.db, c.req.valid('param').id))) {
      throw new AppError('not_found', 'No such article');
    }
    return c.body(null, 204);
  });
}
