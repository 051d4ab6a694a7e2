import type { FC } from 'hono/jsx';
import type { GapTopic } from '../../../kb/gaps.js';

/** Tickets a "Write an article" link carries (newest first): keeps the URL a few kB at most. */
const GAP_ARTICLE_MAX_TICKETS = 100;

/**
 * "Articles to write next": the topics of questions the knowledge base did not answer (abstained
 * drafts and drafts rejected as wrong), biggest first, with the trend and three example tickets.
 * The same report as `cli kb gaps`. "Write an article" opens the article form for the topic; the
 * article is linked to its tickets.
 */
export const KbGapsPanel: FC<{ topics: readonly GapTopic[]; days: number }> = ({
  topics,
  days,
}) => (
  <section aria-labelledby="kb-gaps-heading" class="kb-gaps">
    <h2 id="kb-gaps-heading">Knowledge-base gaps (last {days} days)</h2>
    {topics.length === 0 ? (
      <p class="muted">
        No unanswered questions: every draft in this period had a grounded answer.
      </p>
    ) : (
      <table class="data stack-on-phone">
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Tickets</th>
            <th scope="col">Trend</th>
            <th scope="col">Examples</th>
            <th scope="col">
              <span class="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {topics.slice(0, 10).map((t) => (
            <tr>
              <td data-label="Topic">{t.label || '(no words)'}</td>
              <td data-label="Tickets">
                {t.count}
                <span class="muted">
                  {' '}
                  ({t.abstained} abstained, {t.rejected} rejected)
                </span>
              </td>
              <td data-label="Trend">
                {t.trend > 0 ? `▲ ${t.trend}` : t.trend < 0 ? `▼ ${-t.trend}` : '—'}
              </td>
              <td data-label="Examples">
                <ul>
                  {t.examples.map((e) => (
                    <li>
                      <a href={`/app/tickets/${e.ticketId}`}>
                        {e.subject || e.excerpt || e.ticketId}
                      </a>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <form method="get" action="/app/dashboard/gap-article">
                  <input type="hidden" name="title" value={t.terms.join(' ')} />
                  <input
                    type="hidden"
                    name="tickets"
                    value={t.ticketIds.slice(0, GAP_ARTICLE_MAX_TICKETS).join(',')}
                  />
                  <button type="submit">Write an article</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);
