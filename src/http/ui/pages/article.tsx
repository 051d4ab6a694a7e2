import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import type { KbArticle } from '../../../db/schema/kb-articles.js';
import { webUrl } from '../../../kb/url.js';
import { Layout, NoticeBox, type PageNotice } from '../layout.js';
import { canEditKb, sourceLabel } from './kb.js';

/**
 * A knowledge-base article split as retrieval sees it (citations link to #chunk-<id>), with the
 * gap tickets it was written for. Before its first indexing (a job after the save) it has no
 * chunks: the body is shown as written.
 */
export const ArticlePage: FC<{
  user: SessionPrincipal;
  article: KbArticle;
  chunks: { id: string; section: string; text: string }[];
  /** The knowledge-base gap tickets the article was written for. */
  gapTickets?: readonly { ticketId: string; subject: string }[];
  /** Questions agents approved drafts citing this article for (kb/answered.ts), newest first. */
  answered?: {
    total: number;
    rows: readonly {
      id: string;
      ticketId: string;
      question: string;
      approvedBy: string | null;
      createdAt: Date;
    }[];
  };
  notice?: PageNotice | null;
}> = ({ user, article, chunks, gapTickets = [], answered, notice = null }) => (
  <Layout title={article.title} user={user} active="kb">
    <article class="kb-article">
      <p class="crumbs">
        <a href="/app/kb">Knowledge base</a>
      </p>
      <NoticeBox notice={notice} />
      <h1>{article.title}</h1>
      <p class="muted">
        {article.language} · {sourceLabel(article.source)} · updated{' '}
        {article.updatedAt.toISOString().slice(0, 10)}
      </p>
      {canEditKb(user) ? (
        <div class="article-actions">
          <a href={`/app/kb/${article.id}/edit`} class="button" data-testid="edit-article">
            Edit
          </a>
          <form
            method="post"
            action={`/app/kb/${article.id}/delete`}
            class="inline"
            data-confirm="Delete this article? Drafts stop quoting it at once."
          >
            <input type="hidden" name="_csrf" value={user.csrfToken} />
            <button type="submit" data-testid="delete-article">
              Delete
            </button>
          </form>
        </div>
      ) : null}
      {webUrl(article.url) ? (
        <p>
          <a href={webUrl(article.url) ?? undefined} rel="noopener noreferrer">
            {article.url}
          </a>
        </p>
      ) : null}
      {gapTickets.length ? (
        <details class="gap-tickets" data-testid="gap-tickets">
          <summary>
            Written for {gapTickets.length} unanswered ticket{gapTickets.length === 1 ? '' : 's'}
          </summary>
          <ul>
            {gapTickets.map((t) => (
              <li>
                <a href={`/app/tickets/${t.ticketId}`}>{t.subject || t.ticketId}</a>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {answered && answered.total > 0 ? (
        <AnsweredQuestions user={user} articleId={article.id} answered={answered} />
      ) : null}
      {chunks.length === 0 ? (
        // Indexing runs in a job after the article is saved: until it has, show what was written.
        <section class="chunk" data-testid="article-unindexed">
          <p class="muted">Being indexed: drafts and search quote it in a moment.</p>
          <div class="body">{article.body}</div>
        </section>
      ) : null}
      {chunks.map((chunk) => (
        <section id={`chunk-${chunk.id}`} class="chunk" tabindex={-1}>
          {chunk.section && chunk.section !== article.title ? <h2>{chunk.section}</h2> : null}
          <div class="body">{chunk.text}</div>
        </section>
      ))}
    </article>
  </Layout>
);

/**
 * What approvals taught drafting about this article. Managers see the questions (redacted
 * customer text, possibly from other teams' tickets) and can forget one; agents see the count.
 */
const AnsweredQuestions: FC<{
  user: SessionPrincipal;
  articleId: string;
  answered: NonNullable<Parameters<typeof ArticlePage>[0]['answered']>;
}> = ({ user, articleId, answered }) => {
  const label = `Learned from ${answered.total} approved answer${answered.total === 1 ? '' : 's'}`;
  if (!canEditKb(user)) {
    return (
      <p class="muted" id="answered" data-testid="answered-questions">
        {label}.
      </p>
    );
  }
  return (
    <details class="gap-tickets" id="answered" data-testid="answered-questions">
      <summary>{label}</summary>
      <p class="muted">
        An agent sent this article for each of these questions (approving a draft that cites it, or
        inserting it in a reply written by hand), so questions like them are answered from it.
        Forget one that was a mistake or a one-off.
      </p>
      <ul class="answered-questions">
        {answered.rows.map((q) => (
          <li data-testid="answered-question">
            <q>{q.question.length > 240 ? `${q.question.slice(0, 240)}…` : q.question}</q>{' '}
            <span class="muted">
              — <a href={`/app/tickets/${q.ticketId}`}>ticket</a>, approved by{' '}
              {q.approvedBy ?? 'an agent'} on{' '}
              <time datetime={q.createdAt.toISOString()}>
                {q.createdAt.toISOString().slice(0, 10)}
              </time>
            </span>{' '}
            <form
              method="post"
              action={`/app/kb/${articleId}/answered/${q.id}/forget`}
              class="inline"
              data-confirm="Forget this answered question? Questions like it stop being answered from this article on its account."
            >
              <input type="hidden" name="_csrf" value={user.csrfToken} />
              <button type="submit" class="link" data-testid="forget-answered">
                Forget
              </button>
            </form>
          </li>
        ))}
      </ul>
      {answered.total > answered.rows.length ? (
        <p class="muted">The newest {answered.rows.length} are shown.</p>
      ) : null}
    </details>
  );
};
