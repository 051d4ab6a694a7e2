import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import { Layout } from '../layout.js';

export interface GapArticleTicket {
  id: string;
  subject: string;
}

/**
 * "Write an article" from a knowledge-base gap: the article form with the gap's tickets, which
 * the new article is linked to (they leave the gap report; the article lists them).
 */
export const GapArticlePage: FC<{
  user: SessionPrincipal;
  title: string;
  tickets: readonly GapArticleTicket[];
  error: string | null;
}> = ({ user, title, tickets, error }) => (
  <Layout title="Write an article" user={user}>
    <div class="admin-page">
      <h1>Write an article for a knowledge-base gap</h1>
      <p class="muted">
        {tickets.length === 1
          ? 'Drafts could not answer this ticket. The article is linked to it: it leaves the gap report, and the article lists it.'
          : `Drafts could not answer these ${tickets.length} tickets. The article is linked to them: they leave the gap report, and the article lists them.`}
      </p>
      {error ? (
        <p class="error-box" role="alert" data-testid="notice">
          {error}
        </p>
      ) : null}
      <ul data-testid="gap-tickets">
        {tickets.map((t) => (
          <li>
            <a href={`/app/tickets/${t.id}`}>{t.subject || t.id}</a>
          </li>
        ))}
      </ul>
      <form method="post" action="/app/dashboard/gap-article" class="stack">
        <input type="hidden" name="_csrf" value={user.csrfToken} />
        <input type="hidden" name="tickets" value={tickets.map((t) => t.id).join(',')} />
        <label>
          Title
          <input name="title" required maxlength={1000} value={title} />
        </label>
        <label>
          Body (Markdown)
          <textarea name="body" required rows={14} />
        </label>
        <label>
          URL of the published article (optional)
          <input name="url" type="url" maxlength={2000} />
        </label>
        <label>
          Language
          <input name="language" value="en" maxlength={12} />
        </label>
        <button type="submit">Create the article</button>
      </form>
    </div>
  </Layout>
);
