import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { ticketActorNames } from '../../../auth/actor-names.js';
import { canAccessTicket } from '../../../auth/team-scope.js';
import {
  currentDraft,
  getDeliveryForDraft,
  listDraftsForTicket,
} from '../../../db/queries/drafts.js';
import { getTicket, listMessages, listTicketEvents } from '../../../db/queries/tickets.js';
import { getTriage, listCategories } from '../../../db/queries/triage.js';
import type { Ticket } from '../../../db/schema/tickets.js';
import type { Deps } from '../../../deps.js';
import { describeCitations } from '../../../kb/citations.js';
import { searchKnowledgeBase } from '../../../kb/search.js';
import { noReplyRoute } from '../../../pipeline/deliver/schedule.js';
import { querySpelling } from '../../../pipeline/query-spelling.js';
import { uuidParam } from '../inbox/shared.js';
import { pendingUndo } from '../inbox/undo.js';
import { Message, noticeFor } from '../layout.js';
import { type KbPanel, KbResults, TicketPage } from '../pages/ticket.js';
import type { UiEnv } from '../session.js';
import { type TicketsApp, ticketPageNotices } from './shared.js';

type KbDeps = Pick<Deps, 'db' | 'embedders' | 'thesaurus' | 'config'>;

/**
 * Knowledge-base passages for the composer's search panel (null: nothing asked yet), with the
 * query as searched when spelling correction changed it (`asWritten`: the agent's "search instead
 * for" the query as typed).
 */
export async function kbPassages(
  deps: KbDeps,
  query: string | undefined,
  asWritten = false,
): Promise<KbPanel | null> {
  const q = (query ?? '').trim().slice(0, 500);
  if (!q) return null;
  const result = await searchKnowledgeBase(
    deps.db,
    { query: q, limit: 5 },
    {
      embedders: deps.embedders,
      synonyms: deps.thesaurus,
      spelling: asWritten ? null : await querySpelling(deps.config, q),
    },
  );
  return { passages: result.passages, correctedQuery: result.query !== q ? result.query : null };
}

/**
 * GET /app/tickets/:id — the ticket page: the conversation, the reply composer with its KB panel,
 * triage with correction, the current draft and its versions, the timeline. Alert emails link
 * here. Another team's ticket looks exactly like a missing one (404).
 */
export function registerTicketPage(app: TicketsApp, deps: Deps) {
  app.get('/app/tickets/:id', async (c) => {
    const user = c.get('user');
    const id = uuidParam.safeParse(c.req.param('id'));
    const ticket =
      id.success && (await canAccessTicket(deps.db, user, id.data))
        ? await getTicket(deps.db, id.data)
        : null;
    if (!ticket) {
      return c.html(
        <Message title="Ticket not found" user={user}>
          <p>
            That ticket does not exist or is not in your team's queue.{' '}
            <a href="/app/tickets">All tickets</a>
          </p>
        </Message>,
        404,
      );
    }
    return renderTicketPage(c, deps, ticket);
  });

  /** The KB panel's results alone, for htmx. */
  app.get('/app/tickets/:id/kb', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    if (!id.success || !(await canAccessTicket(deps.db, c.get('user'), id.data))) {
      return c.text('Not found', 404);
    }
    const kbq = c.req.query('kbq') ?? '';
    const found = await kbPassages(deps, kbq, c.req.query('kbspell') === 'off');
    return c.html(
      <KbResults
        ticketId={id.data}
        query={kbq}
        passages={found?.passages ?? []}
        correctedQuery={found?.correctedQuery}
      />,
    );
  });
}

/**
 * The ticket page for `ticket` (already scope-checked). With `collision`, the composer's reply
 * was refused because a colleague replied first: the page (409) keeps the agent's text and says
 * who replied, with Send anyway and Discard.
 */
export async function renderTicketPage(
  c: Context<UiEnv>,
  deps: Deps,
  ticket: Ticket,
  collision?: { message: string; text: string; citations: string[] },
) {
  const user = c.get('user');
  // Taken before anything is read: a reply committed while the page is assembled is newer.
  const seenAt = new Date().toISOString();
  const kbq = c.req.query('kbq');
  const [messages, triage, drafts, categories, events, found] = await Promise.all([
    listMessages(deps.db, ticket.id),
    getTriage(deps.db, ticket.id),
    listDraftsForTicket(deps.db, ticket.id),
    listCategories(deps.db, { activeOnly: true }),
    listTicketEvents(deps.db, ticket.id),
    // Without a search of the agent's own, the panel shows what the subject finds: articles to
    // insert are on screen when the page opens.
    kbPassages(deps, kbq ?? ticket.subject ?? undefined, c.req.query('kbspell') === 'off'),
  ]);
  const latest = currentDraft(drafts);
  const [delivery, sources, actors] = await Promise.all([
    latest ? getDeliveryForDraft(deps.db, latest.id) : null,
    latest ? describeCitations(deps.db, latest.citations) : undefined,
    ticketActorNames(deps.db, { drafts, messages, events }),
  ]);
  const notice = c.req.query('notice');
  const undoOf = uuidParam.safeParse(c.req.query('undo'));
  const undo = undoOf.success ? await pendingUndo(deps, user, undoOf.data) : null;
  // After an undo, the withdrawn reply goes back into the composer — for its author only.
  const restoreOf = uuidParam.safeParse(c.req.query('restore'));
  const restored = restoreOf.success
    ? drafts.find(
        (d) => d.id === restoreOf.data && d.status === 'withdrawn' && d.decidedBy === user.email,
      )
    : undefined;
  return c.html(
    <TicketPage
      user={user}
      ticket={ticket}
      messages={messages}
      triage={triage}
      drafts={drafts}
      delivery={delivery}
      sources={sources}
      categories={categories}
      events={events}
      actors={actors}
      unreachable={noReplyRoute(deps.config, ticket)}
      kb={{
        query: kbq ?? ticket.subject,
        passages: found?.passages ?? null,
        correctedQuery: found?.correctedQuery,
      }}
      idempotencyKey={randomUUID()}
      notice={noticeFor(ticketPageNotices, notice)}
      undo={undo}
      draftText={
        collision ? collision.text : restored ? (restored.finalText ?? restored.bodyText) : ''
      }
      draftCitations={collision ? [] : (restored?.citations ?? [])}
      seenAt={seenAt}
      collision={collision ? { message: collision.message, citations: collision.citations } : null}
    />,
    collision ? 409 : 200,
  );
}
