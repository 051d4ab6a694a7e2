import type { FC } from 'hono/jsx';
import { roleAllows } from '../../../auth/api-keys.js';
import type { SessionPrincipal } from '../../../auth/users.js';
import type { ArticleTableRow } from '../../../db/queries/kb.js';
import { API_SOURCE } from '../../../kb/articles.js';
import { Layout, NoticeBox, type PageNotice } from '../layout.js';

/** Managers and admins write the knowledge base; agents read it (as the API's roles have it). */
export const canEditKb = (user: SessionPrincipal) => roleAllows(user.role, 'manager');

/** Outcome messages of the knowledge-base forms, by code (redirects carry codes, never text). */
export const kbNotices = {
  created: { kind: 'ok', text: 'Article created. Drafts can quote it once it is indexed.' },
  saved: { kind: 'ok', text: 'Article saved. Drafts quote the new text once it is re-indexed.' },
  unchanged: { kind: 'ok', text: 'Nothing changed: the article was already like this.' },
  deleted: { kind: 'ok', text: 'Article deleted. Drafts no longer quote it.' },
  already_deleted: { kind: 'ok', text: 'That article was already deleted.' },
  forgotten: {
    kind: 'ok',
    text: 'Forgotten: questions like it are no longer answered from this article on its account.',
  },
  already_forgotten: { kind: 'ok', text: 'That answered question was already forgotten.' },
} as const;

export interface KbListQuery {
  q?: string;
  source?: string;
  page: number;
}

export function kbHref(query: Partial<KbListQuery>): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.source) params.set('source', query.source);
  if (query.page && query.page > 1) params.set('page', String(query.page));
  const s = params.toString();
  return s ? `/app/kb?${s}` : '/app/kb';
}

/** Where an article came from, as a person reads it. */
export function sourceLabel(source: string): string {
  if (source === API_SOURCE) return 'written here or through the API';
  if (source === 'upload:articles') return 'uploaded';
  if (source.startsWith('upload:')) {
    // Uploaded JSONL/CSV/JSON files are collections named `upload:<position>-<file name>`.
    return `uploaded in ${source
      .slice('upload:'.length)
      .replace(/^\d+-/, '')
      .replace(/\.jsonl$/, '')}`;
  }
  return `imported from ${source}`;
}

export const KbListPage: FC<{
  user: SessionPrincipal;
  query: KbListQuery;
  rows: ArticleTableRow[];
  total: number;
  pageSize: number;
  sources: { source: string; articles: number }[];
  notice: PageNotice | null;
}> = ({ user, query, rows, total, pageSize, sources, notice }) => {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const filtered = Boolean(query.q || query.source);
  return (
    <Layout title="Knowledge base" user={user} active="kb">
      <div class="tickets-page kb-page">
        <h1>Knowledge base</h1>
        <NoticeBox notice={notice} />
        <p class="muted">
          The articles drafts quote and cite. {total} article{total === 1 ? '' : 's'}
          {filtered ? ' match' : ''}.
        </p>
        {canEditKb(user) ? (
          <div class="kb-actions">
            <a href="/app/kb/new" class="button primary" data-testid="new-article">
              Write an article
            </a>
            <form
              method="post"
              action="/app/kb/import"
              enctype="multipart/form-data"
              class="inline kb-import"
            >
              <input type="hidden" name="_csrf" value={user.csrfToken} />
              <label>
                Import files
                <input
                  type="file"
                  name="files"
                  multiple
                  accept=".md,.markdown,.html,.htm,.txt,.csv,.jsonl,.ndjson,.json"
                />
              </label>
              <button type="submit">Import</button>
            </form>
          </div>
        ) : null}
        <form method="get" action="/app/kb" class="ticket-filters" aria-label="Find articles">
          <label class="search">
            Search
            <input
              type="search"
              name="q"
              value={query.q ?? ''}
              placeholder="Words in the title or body"
              maxlength={200}
            />
          </label>
          {sources.length > 1 ? (
            <label>
              Source
              <select name="source">
                <option value="">any</option>
                {sources.map((s) => (
                  <option value={s.source} selected={s.source === query.source}>
                    {`${s.source} (${s.articles})`}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <button type="submit" class="primary">
            Find
          </button>
          {filtered ? <a href="/app/kb">Clear</a> : null}
        </form>
        {rows.length === 0 ? (
          <p class="empty" data-testid="no-articles">
            {total > 0
              ? `No articles on this page: the list has ${pages} page${pages === 1 ? '' : 's'}.`
              : filtered
                ? 'No article matches.'
                : canEditKb(user)
                  ? 'No articles yet: write one, or import Markdown, HTML, CSV, JSONL or a Help Center export above.'
                  : 'No articles yet: a manager adds them here.'}
          </p>
        ) : (
          <ol class="ticket-list" data-testid="article-list">
            {rows.map((a) => (
              <li class="ticket-row" data-article-id={a.id}>
                <a href={`/app/kb/${a.id}`} class="subject">
                  {a.title}
                </a>
                <span class="meta">
                  <span class="badge">{a.language}</span>
                  {a.indexed ? null : <span class="badge">being indexed</span>}
                  <span class="muted">{sourceLabel(a.source)}</span>
                  <time class="muted" datetime={a.updatedAt.toISOString()}>
                    updated {a.updatedAt.toISOString().slice(0, 10)}
                  </time>
                </span>
              </li>
            ))}
          </ol>
        )}
        {pages > 1 ? (
          <nav class="pager" aria-label="Pages">
            {query.page > 1 ? (
              <a href={kbHref({ ...query, page: query.page - 1 })} rel="prev">
                Previous page
              </a>
            ) : null}
            <span class="muted">
              Page {query.page} of {pages}
            </span>
            {query.page < pages ? (
              <a href={kbHref({ ...query, page: query.page + 1 })} rel="next">
                Next page
              </a>
            ) : null}
          </nav>
        ) : null}
      </div>
    </Layout>
  );
};

export interface ArticleFormValues {
  title: string;
  body: string;
  url: string;
  language: string;
  format: 'markdown' | 'html' | 'text';
}

/** Writing a new article, or editing one (`articleId`, with where it came from). */
export const ArticleFormPage: FC<{
  user: SessionPrincipal;
  values: ArticleFormValues;
  error: string | null;
  article?: { id: string; source: string };
}> = ({ user, values, error, article }) => (
  <Layout title={article ? `Edit: ${values.title}` : 'Write an article'} user={user} active="kb">
    <div class="admin-page">
      <p class="crumbs">
        <a href="/app/kb">Knowledge base</a>
        {article ? (
          <>
            {' › '}
            <a href={`/app/kb/${article.id}`}>{values.title}</a>
          </>
        ) : null}
      </p>
      <h1>{article ? 'Edit the article' : 'Write an article'}</h1>
      {article && article.source !== API_SOURCE ? (
        <p class="error-box" role="note" data-testid="import-warning">
          This article was {sourceLabel(article.source)}. Importing that source again replaces it
          with the imported version, and these changes are lost: change it at the source too.
        </p>
      ) : null}
      <p class="muted">
        Drafts quote its sentences and cite it once it is indexed, a few seconds after saving.
      </p>
      {error ? (
        <p class="error-box" role="alert" data-testid="notice">
          {error}
        </p>
      ) : null}
      <form
        method="post"
        action={article ? `/app/kb/${article.id}/edit` : '/app/kb/new'}
        class="stack"
      >
        <input type="hidden" name="_csrf" value={user.csrfToken} />
        <label>
          Title
          <input name="title" required maxlength={1000} value={values.title} />
        </label>
        <label>
          Body
          <textarea name="body" required rows={16}>
            {values.body}
          </textarea>
        </label>
        <label>
          Format
          <select name="format">
            {(['markdown', 'html', 'text'] as const).map((f) => (
              <option value={f} selected={f === values.format}>
                {f === 'markdown' ? 'Markdown' : f === 'html' ? 'HTML' : 'Plain text'}
              </option>
            ))}
          </select>
        </label>
        <label>
          URL of the published article (optional: drafts link to it)
          <input name="url" type="url" maxlength={2000} value={values.url} />
        </label>
        <label>
          Language (a code such as en, de, pt-BR)
          <input name="language" maxlength={12} required value={values.language} />
        </label>
        <button type="submit" class="primary">
          {article ? 'Save the article' : 'Create the article'}
        </button>
      </form>
    </div>
  </Layout>
);
