import type { Hono } from 'hono';
import { z } from 'zod';
import type { KbArticle } from '../../../db/schema/kb-articles.js';
import { kbArticleFormats } from '../../../db/schema/kb-articles.js';
import type { ArticleFormValues } from '../pages/kb.js';
import type { UiEnv } from '../session.js';

/** The router every knowledge-base page and form registers itself on. */
export type KbApp = Hono<UiEnv>;

export const uuidParam = z.uuid();

/** The article form (write or edit): the API's article input, as a form posts it. */
export const articleForm = z.object({
  title: z.string().trim().min(1, 'The article needs a title.').max(1_000),
  body: z.string().trim().min(1, 'The article needs a body.').max(1_000_000),
  format: z.enum(kbArticleFormats).default('markdown'),
  url: z
    .string()
    .trim()
    .max(2_000)
    .transform((u) => u || null)
    .pipe(z.url({ protocol: /^https?$/, error: 'The URL must be an http(s) address.' }).nullable())
    .default(null),
  language: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/,
      'The language must be a code such as en or pt-BR.',
    )
    .default('en'),
});

/** What the form shows again after a refused post: what was typed, as typed. */
export function typedValues(body: Record<string, unknown>): ArticleFormValues {
  const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const format = text('format');
  return {
    title: text('title'),
    body: text('body'),
    url: text('url'),
    language: text('language') || 'en',
    format: (kbArticleFormats as readonly string[]).includes(format)
      ? (format as ArticleFormValues['format'])
      : 'markdown',
  };
}

export function storedValues(article: KbArticle): ArticleFormValues {
  return {
    title: article.title,
    body: article.body,
    url: article.url ?? '',
    language: article.language,
    format: article.format,
  };
}

export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'The form could not be read.';
}
