import { z } from 'zod';
import type { ArticleInput } from '../types.js';
import { ArticleParseError } from './jsonl.js';

/** The fields of a Help Center article we use; the export carries many more, which are ignored. */
const zendeskArticleSchema = z.object({
  id: z.union([z.number(), z.string()]).transform(String),
  title: z.string().nullish(),
  name: z.string().nullish(),
  body: z.string().nullish(),
  html_url: z.string().nullish(),
  label_names: z.array(z.string()).nullish(),
  locale: z.string().nullish(),
  draft: z.boolean().nullish(),
});

const zendeskExportSchema = z.object({ articles: z.array(z.unknown()) });

export function isZendeskExport(json: unknown): boolean {
  return zendeskExportSchema.safeParse(json).success;
}

/**
 * Zendesk Help Center export (`GET /api/v2/help_center/articles.json` pages, or their
 * concatenation): `{articles: [{id, title, body (HTML), html_url, label_names, locale, draft}]}`.
 * Drafts are skipped: they are not published answers. Ids are prefixed per locale so that
 * translations of one article stay distinct articles.
 */
export function parseZendeskArticles(json: unknown, name = 'export'): ArticleInput[] {
  const root = zendeskExportSchema.safeParse(json);
  if (!root.success) throw new ArticleParseError(name, 'expected {"articles": [...]}');
  const articles: ArticleInput[] = [];
  root.data.articles.forEach((raw, index) => {
    const parsed = zendeskArticleSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ArticleParseError(
        `${name}: articles[${index}]`,
        `${issue?.path.join('.') || '(article)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const article = parsed.data;
    if (article.draft) return;
    const title = (article.title ?? article.name ?? '').trim();
    if (!title) return;
    const locale = article.locale?.toLowerCase() ?? null;
    articles.push({
      externalId: locale ? `${article.id}:${locale}` : article.id,
      title,
      body: article.body ?? '',
      format: 'html',
      url: article.html_url ?? null,
      tags: article.label_names ?? [],
      language: locale,
    });
  });
  return articles;
}
