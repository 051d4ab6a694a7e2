import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import type { KbArticle } from '../../../db/schema/kb-articles.js';
import { webUrl } from '../../../kb/url.js';
import { Layout } from '../layout.js';

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
}> = ({ user, article, chunks, gapTickets = [] }) => (
  <Layout title={article.title} user={user}>
    <article class="kb-article">
      <h1>{article.title}</h1>
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
