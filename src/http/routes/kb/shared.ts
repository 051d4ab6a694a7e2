import type { z } from '@hono/zod-openapi';
import { listArticleGapTickets } from '../../../db/queries/kb-gap-links.js';
import type { KbArticle } from '../../../db/schema/kb-articles.js';
import { AppError } from '../../errors.js';
import type { KbRouteDeps } from './deps.js';
import { toArticleJson } from './schemas.js';

/** A JSON response of the article operations. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** An article as the API answers it: with the ids of the knowledge-gap tickets it answers. */
export async function articleView(deps: KbRouteDeps, article: KbArticle) {
  const links = await listArticleGapTickets(deps.db, article.id);
  return { ...toArticleJson(article), gapTicketIds: links.map((l) => l.ticketId) };
}

/** 409: another article already has this externalId. */
export function externalIdTaken(article: KbArticle): never {
  throw new AppError('conflict', `An article with externalId ${article.externalId} exists`);
}
