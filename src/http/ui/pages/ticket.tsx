import type { FC } from 'hono/jsx';
import { type ActorNames, actorLabel } from '../../../auth/actor-names.js';
import type { SessionPrincipal } from '../../../auth/users.js';
import { currentDraft } from '../../../db/queries/drafts.js';
import type { Citation, Delivery, Draft } from '../../../db/schema/drafts.js';
import type { Message } from '../../../db/schema/messages.js';
import type { TicketEvent } from '../../../db/schema/ticket-events.js';
import type { Ticket } from '../../../db/schema/tickets.js';
import type { TaxonomyCategory, TicketTriage } from '../../../db/schema/triage.js';
import type { CitedSource } from '../../../kb/citations.js';
import type { Passage } from '../../../kb/search.js';
import { type NoReplyRoute, noReplyRouteWording } from '../../../pipeline/deliver/schedule.js';
import { Layout, NoticeBox, type PageNotice } from '../layout.js';
import {
  DraftPanel,
  kindLabel,
  MessageAuthor,
  MessageText,
  requesterLine,
  TriagePanel,
} from './inbox.js';
import { LiveStaleNotice } from './live-stale.js';
import { DraftStateBadge } from './tickets.js';
import { type PendingUndo, UndoBar } from './undo-bar.js';

export interface TicketPageProps {
  user: SessionPrincipal;
  ticket: Ticket;
  messages: Message[];
  triage: TicketTriage | null;
  drafts: Draft[];
  delivery: Delivery | null;
  /** The current draft's citations checked against the knowledge base now. */
  sources?: CitedSource[];
  categories: TaxonomyCategory[];
  events: TicketEvent[];
  /** How the authors the page names read to people (an API key by its name). */
  actors: ActorNames;
  kb: { query: string; passages: Passage[] | null; correctedQuery?: string | null };
  /** A fresh key per render of the composer: resubmitting the same form sends once. */
  idempotencyKey: string;
  /**
   * When this page was rendered (ISO): the composer posts it, so a reply another agent sends
   * meanwhile refuses this one (agent collision) instead of the customer getting both.
   */
  seenAt: string;
  /** The composer's reply was refused because a colleague replied first: say who, offer to force. */
  collision?: { message: string; citations: string[] } | null;
  notice?: PageNotice | null;
  /** The undo window of a reply just approved on this page, while it is open. */
  undo?: PendingUndo | null;
  /** Text to start the composer with: a reply its author just took back with Undo. */
  draftText?: string;
  /**
   * The passages that reply cited (inserted from the knowledge-base panel): they go back with its
   * text, so sending it again records them (and teaches drafting) as the first send did.
   */
  draftCitations?: readonly Pick<Citation, 'chunkId' | 'title' | 'section' | 'url'>[];
  /** Why no reply can reach the customer (no reply address), or null when one can. */
  unreachable: NoReplyRoute | null;
}

const time = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

const authorLabel = (m: Message) =>
  !m.public && m.direction === 'outbound'
    ? 'Internal note'
    : { customer: 'Customer', agent: 'Agent', ai: 'Deskpilot (auto-sent)', system: 'System' }[
        m.authorKind
      ];

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Every message, inbound and outbound, internal notes included, with its attachments. */
const Thread: FC<{ messages: Message[]; actors: ActorNames }> = ({ messages, actors }) => (
  <section class="conversation thread" aria-label="Conversation">
    <h2>Conversation</h2>
    {messages.length === 0 ? <p class="muted">No messages.</p> : null}
    {messages.map((m) => {
      const note = !m.public && m.direction === 'outbound';
      return (
        <article
          class={`msg ${note ? 'note' : m.authorKind} ${m.direction}`}
          aria-label={`${authorLabel(m)} message`}
          data-message-id={m.id}
        >
          <header>
            <strong>{authorLabel(m)}</strong> <MessageAuthor message={m} actors={actors} />{' '}
            <span class="muted">
              {note ? 'added' : m.direction === 'inbound' ? 'received' : 'sent'}
            </span>{' '}
            <time datetime={(m.sentAt ?? m.createdAt).toISOString()}>
              {time(m.sentAt ?? m.createdAt)}
            </time>
            {!m.public && !note ? <span class="badge">internal</span> : null}
          </header>
          <MessageText message={m} />
          {m.attachments.length ? (
            <ul class="attachments" aria-label="Attachments">
              {m.attachments.map((a) => (
                <li>
                  {a.filename ?? 'unnamed file'}{' '}
                  <span class="muted">
                    {a.contentType}, {size(a.size)}
                    {a.tooLarge ? ' — too large, not kept' : ''}
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
        </article>
      );
    })}
  </section>
);

/** Where a passage came from, as the customer will read it after the quoted text. */
export function citationLine(p: Pick<Passage, 'title' | 'section' | 'url'>): string {
  const where = p.section && p.section !== p.title ? `${p.title} › ${p.section}` : p.title;
  return `(Source: ${where}${p.url ? ` — ${p.url}` : ''})`;
}

/** A KB search's results: passages, and the query as searched when spelling correction changed it. */
export interface KbPanel {
  passages: Passage[];
  correctedQuery: string | null;
}

export const KbResults: FC<{
  ticketId: string;
  passages: Passage[] | null;
  query: string;
  correctedQuery?: string | null;
}> = ({ ticketId, passages, query, correctedQuery }) => (
  <div id="kb-results" aria-live="polite">
    {correctedQuery ? (
      <p class="muted kb-corrected" data-testid="kb-corrected">
        Showing results for “{correctedQuery}”. Search instead for{' '}
        <a
          href={`/app/tickets/${ticketId}?kbq=${encodeURIComponent(query)}&kbspell=off`}
          hx-get={`/app/tickets/${ticketId}/kb?kbq=${encodeURIComponent(query)}&kbspell=off`}
          hx-target="#kb-results"
          hx-swap="outerHTML"
        >
          “{query}”
        </a>
        .
      </p>
    ) : null}
    {passages === null ? null : passages.length === 0 ? (
      <p class="muted">Nothing found for “{query}”.</p>
    ) : (
      <ol class="kb-passages">
        {passages.map((p) => (
          <li class="kb-passage" data-chunk-id={p.chunkId}>
            <a href={`/app/kb/${p.articleId}#chunk-${p.chunkId}`} target="_blank" rel="noopener">
              {p.title}
              {p.section && p.section !== p.title ? ` › ${p.section}` : ''}
            </a>
            <p class="passage-text">{p.text}</p>
            <button
              type="button"
              class="insert-passage"
              data-chunk-id={p.chunkId}
              data-text={p.text}
              data-cite={citationLine(p)}
            >
              Insert with citation
            </button>
          </li>
        ))}
      </ol>
    )}
  </div>
);

const Composer: FC<{ p: TicketPageProps }> = ({ p }) => {
  const back = `/app/tickets/${p.ticket.id}`;
  if (p.ticket.automated) {
    return (
      <section class="composer notice-box" aria-label="Reply">
        <h2>Reply</h2>
        <p role="note">
          This is automated mail ({p.ticket.automatedReason ?? 'auto-reply'}). Deskpilot never
          replies to automated senders.
        </p>
      </section>
    );
  }
  // A ticket with no way to reach its customer (noReplyRoute: no reply address) offers no reply
  // box: the reply could only be held. Internal notes and the knowledge base stay.
  return (
    <section class="composer" aria-label="Write a reply">
      <h2>Write a reply</h2>
      {p.unreachable ? (
        <p class="warn-box" role="note" data-testid="no-recipient">
          {noReplyRouteWording(p.unreachable)}
        </p>
      ) : null}
      {p.unreachable ? null : (
        <form method="post" action={`/app/tickets/${p.ticket.id}/replies`} id="reply-form">
          <input type="hidden" name="_csrf" value={p.user.csrfToken} />
          <input type="hidden" name="idempotencyKey" value={p.idempotencyKey} />
          <input type="hidden" name="seenAt" value={p.seenAt} />
          <input type="hidden" name="back" value={back} />
          {p.collision ? (
            <div class="notice error" role="alert" data-testid="collision">
              <p>Not sent: {p.collision.message}.</p>
              {p.collision.citations.map((id) => (
                <input type="hidden" name="citation" value={id} />
              ))}
              <div class="actions">
                <button type="submit" name="force" value="1" data-testid="send-anyway">
                  Send anyway
                </button>
                <a href={back}>Discard my reply</a>
              </div>
            </div>
          ) : null}
          <label for="reply-text">
            Your reply to {p.ticket.requesterName ?? p.ticket.requesterEmail ?? 'the customer'}
          </label>
          <textarea id="reply-text" name="text" rows={10} required maxlength={20000}>
            {p.draftText ?? ''}
          </textarea>
          {(p.draftCitations ?? []).map((c) => (
            <input type="hidden" name="citation" value={c.chunkId} />
          ))}
          <ul class="reply-citations" id="reply-citations" aria-label="Cited passages">
            {(p.draftCitations ?? []).map((c) => (
              <li>{citationLine(c)}</li>
            ))}
          </ul>
          <div class="actions">
            <button type="submit" class="primary">
              Send reply
            </button>
            <span class="muted">Sent by the same path as an approved draft, once.</span>
          </div>
        </form>
      )}
      <details class="note-box">
        <summary>Add an internal note</summary>
        <form method="post" action={`/app/tickets/${p.ticket.id}/notes`}>
          <input type="hidden" name="_csrf" value={p.user.csrfToken} />
          <label for="note-text">Internal note (never sent to the customer)</label>
          <textarea id="note-text" name="text" rows={4} required maxlength={20000} />
          <div class="actions">
            <button type="submit">Add note</button>
          </div>
        </form>
      </details>
      <section class="kb-panel" aria-label="Knowledge base">
        <h3>Knowledge base</h3>
        <form
          method="get"
          action={`/app/tickets/${p.ticket.id}`}
          class="inline"
          hx-get={`/app/tickets/${p.ticket.id}/kb`}
          hx-target="#kb-results"
          hx-swap="outerHTML"
        >
          <label for="kb-query" class="visually-hidden">
            Search the knowledge base
          </label>
          <input
            id="kb-query"
            type="search"
            name="kbq"
            value={p.kb.query}
            maxlength={500}
            placeholder="Search the knowledge base"
          />
          <button type="submit">Search</button>
        </form>
        <KbResults
          ticketId={p.ticket.id}
          passages={p.kb.passages}
          query={p.kb.query}
          correctedQuery={p.kb.correctedQuery}
        />
      </section>
    </section>
  );
};

const eventLabel: Partial<Record<TicketEvent['type'], string>> = {
  created: 'Ticket received',
  message_received: 'Customer wrote',
  status_changed: 'Status changed',
  triaged: 'Triaged',
  triage_corrected: 'Category corrected',
  drafted: 'Draft written',
  approved: 'Draft approved',
  edited: 'Draft edited and approved',
  rejected: 'Draft rejected',
  regenerated: 'Regeneration asked',
  claimed: 'Draft claimed',
  overdue: 'Reply overdue',
  delivery_failed: 'Delivery failed',
  delivery_retried: 'Delivery retried',
  sent: 'Reply delivered',
  solved: 'Solved',
  reopened: 'Reopened',
  replied: 'Reply written by hand',
  note_added: 'Internal note added',
};

/** Short, id-free details of an event (its data holds ids, codes and short reasons only). */
function eventDetail(e: TicketEvent): string {
  const d = e.data as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ['category', 'priority', 'team', 'version', 'reason', 'status', 'channel']) {
    const v = d[key];
    if (typeof v === 'string' || typeof v === 'number') parts.push(`${key} ${v}`);
  }
  if (d.auto === true) parts.push('automatically');
  return parts.join(' · ');
}

/** A reply a guard held (`delivery_failed` with `blocked`) was not a failed send: say held. */
const eventTitle = (e: TicketEvent) =>
  e.type === 'delivery_failed' && (e.data as Record<string, unknown>).blocked === true
    ? 'Reply held'
    : (eventLabel[e.type] ?? e.type.replace(/_/g, ' '));

const Timeline: FC<{ events: TicketEvent[]; actors: ActorNames }> = ({ events, actors }) => (
  <section class="timeline" aria-label="Timeline">
    <h2>Timeline</h2>
    <ol>
      {events.map((e) => (
        <li data-event={e.type}>
          <time datetime={e.createdAt.toISOString()}>{time(e.createdAt)}</time>{' '}
          <strong>{eventTitle(e)}</strong>{' '}
          <span class="muted">
            {e.actorId ? `by ${actorLabel(e.actorId, actors)}` : `(${e.actorKind})`}
            {eventDetail(e) ? ` · ${eventDetail(e)}` : ''}
          </span>
        </li>
      ))}
    </ol>
  </section>
);

/**
 * A version's status in words; a reply that did not go out is the delivery's doing, never the
 * approver's ("approved by", not "delivery failed by"), and one a guard held says so.
 */
function versionStatus(d: Draft, delivery: Delivery | null, actors: ActorNames): string {
  const by = d.decidedBy ? actorLabel(d.decidedBy, actors) : null;
  if (d.status !== 'delivery_failed')
    return `${d.status.replace('_', ' ')}${by ? ` by ${by}` : ''}`;
  const held = delivery?.draftId === d.id && delivery.state === 'blocked';
  return `${held ? 'held' : 'delivery failed'}${by ? ` · approved by ${by}` : ''}`;
}

const Versions: FC<{ drafts: Draft[]; delivery: Delivery | null; actors: ActorNames }> = ({
  drafts,
  delivery,
  actors,
}) =>
  drafts.length === 0 ? null : (
    <section class="versions" aria-label="Draft versions">
      <h2>Versions</h2>
      <ol>
        {[...drafts].reverse().map((d) => (
          <li>
            <details>
              <summary>
                v{d.version} · {kindLabel[d.kind]} · {versionStatus(d, delivery, actors)}
                {d.provisional
                  ? d.status === 'superseded'
                    ? ' · shown while the model wrote, then replaced'
                    : ' · shown while the model writes'
                  : ''}{' '}
                · <time datetime={d.createdAt.toISOString()}>{time(d.createdAt)}</time>
              </summary>
              <div class="body">{d.finalText ?? d.bodyText}</div>
              {d.rejectReason ? <p class="muted">Rejected: {d.rejectReason}</p> : null}
            </details>
          </li>
        ))}
      </ol>
    </section>
  );

export const TicketPage: FC<TicketPageProps> = (p) => {
  const back = `/app/tickets/${p.ticket.id}`;
  const view = {
    ticket: p.ticket,
    messages: p.messages,
    triage: p.triage,
    draft: currentDraft(p.drafts),
    delivery: p.delivery,
    categories: p.categories,
    sources: p.sources,
    actors: p.actors,
    unreachable: p.unreachable,
  };
  return (
    <Layout title={p.ticket.subject || 'Ticket'} user={p.user} active="tickets">
      <div
        class="ticket-page"
        data-ticket-id={p.ticket.id}
        data-follow={back}
        data-live={`/app/events?${new URLSearchParams({ ticket: p.ticket.id }).toString()}`}
        data-me={p.user.id}
      >
        <header class="ticket-head">
          <p class="crumbs">
            <a href="/app/tickets">Tickets</a>
          </p>
          <h1>{p.ticket.subject || '(no subject)'}</h1>
          {/* Filled live by app.js: other agents with this ticket open or editing its draft. */}
          <p class="presence" data-presence data-testid="presence" aria-live="polite" hidden />
          {/* The page follows its ticket (see LiveStaleNotice); the composer is never swapped. */}
          <LiveStaleNotice reload={back} />
          <p class="muted" data-live-region="status">
            {requesterLine(p.ticket)} · {p.ticket.channel}
            {p.ticket.externalId ? ` #${p.ticket.externalId}` : ''} · {p.ticket.status} ·{' '}
            <DraftStateBadge state={p.ticket.draftState} />
          </p>
          <NoticeBox notice={p.notice} />
          {p.undo ? <UndoBar undo={p.undo} csrf={p.user.csrfToken} back={back} /> : null}
          <div data-live-region="solve">
            {/* Email and API tickets have no helpdesk to report a solve: an agent solves them here. */}
            {p.ticket.source !== 'zendesk' &&
            p.ticket.status !== 'solved' &&
            p.ticket.status !== 'closed' ? (
              <form method="post" action={`/app/tickets/${p.ticket.id}/solve`} class="inline">
                <input type="hidden" name="_csrf" value={p.user.csrfToken} />
                <button type="submit" data-testid="solve">
                  Solve ticket
                </button>
              </form>
            ) : null}
          </div>
        </header>
        <div class="ticket-columns">
          <div class="ticket-main">
            <div data-live-region="thread">
              <Thread messages={p.messages} actors={p.actors} />
            </div>
            <Composer p={p} />
          </div>
          <aside class="ticket-side">
            <div data-live-region="triage">
              <TriagePanel view={view} csrf={p.user.csrfToken} back={back} />
            </div>
            <div data-live-region="draft">
              {view.draft && view.draft.kind !== 'manual' ? (
                <DraftPanel view={view} csrf={p.user.csrfToken} back={back} composerOnPage />
              ) : null}
            </div>
            <div data-live-region="history">
              <Versions drafts={p.drafts} delivery={p.delivery} actors={p.actors} />
              <Timeline events={p.events} actors={p.actors} />
            </div>
          </aside>
        </div>
      </div>
    </Layout>
  );
};
