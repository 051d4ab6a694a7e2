import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import type { KbArticle } from '../../../db/schema/kb-articles.js';
import { webUrl } from '../../../kb/url.js';
import { Layout } from '../layout.js';

/** A knowledge-base article split as retrieval sees it; citations link to #chunk-<id>. */
export const ArticlePage: FC<{
  user: SessionPrincipal;
  article: KbArticle;
  chunks: { id: string; section: string; text: string }[];
}> = ({ user, article, chunks }) => (
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
      {chunks.map((chunk) => (
        <section id={`chunk-${chunk.id}`} class="chunk" tabindex={-1}>
          {chunk.section && chunk.section !== article.title ? <h2>{chunk.section}</h2> : null}
          <div class="body">{chunk.text}</div>
        </section>
      ))}
    </article>
  </Layout>
);
