import type { FC } from 'hono/jsx';
import { type ActorNames, actorLabel } from '../../../auth/actor-names.js';
import type { SessionPrincipal } from '../../../auth/users.js';
import type {
  listAutomatedTickets,
  listProblemDeliveries,
} from '../../../db/queries/agent-inbox.js';
import type { listPendingDrafts } from '../../../db/queries/drafts.js';
import type { Delivery, Draft } from '../../../db/schema/drafts.js';
import type { Message } from '../../../db/schema/messages.js';
import type { Ticket } from '../../../db/schema/tickets.js';
import type { FieldDecision, TaxonomyCategory, TicketTriage } from '../../../db/schema/triage.js';
import { priorities } from '../../../db/schema/triage.js';
import type { CitedSource } from '../../../kb/citations.js';
import { type NoReplyRoute, noReplyRouteWording } from '../../../pipeline/deliver/schedule.js';
import {
  deliveryWording,
  draftStatusLine,
  heldAdviceFor,
} from '../../../pipeline/deliver/wording.js';
import { LEARNED_REASON } from '../../../pipeline/draft/draft.js';
import { describeInstructions } from '../../../pipeline/draft/instructions.js';
import { Layout, NoticeBox, type PageNotice } from '../layout.js';
import { LiveStaleNotice } from './live-stale.js';
import { type PendingUndo, UndoBar } from './undo-bar.js';

const capitalised = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

export type Tab = 'pending' | 'problems' | 'automated';
export interface InboxFilters {
  category?: string;
  priority?: string;
  queue?: string;
}
export type PendingRow = Awaited<ReturnType<typeof listPendingDrafts>>[number];
export type ProblemRow = Awaited<ReturnType<typeof listProblemDeliveries>>[number];
export type AutomatedRow = Awaited<ReturnType<typeof listAutomatedTickets>>[number];

export interface TicketView {
  ticket: Ticket;
  messages: Message[];
  triage: TicketTriage | null;
  draft: Draft | null;
  delivery: Delivery | null;
  categories: TaxonomyCategory[];
  /** The draft's citations checked against the knowledge base now (see kb/citations.ts). */
  sources?: CitedSource[];
  /** An agent's text whose save was refused (someone saved a newer version): shown beside it. */
  unsaved?: { draftId: string; text: string };
  /** How the authors it names read to people (an API key by its name). */
  actors?: ActorNames;
  /** Why no reply can reach this ticket's customer (no reply address), or null when one can. */
  unreachable?: NoReplyRoute | null;
}

export interface InboxProps {
  user: SessionPrincipal;
  tab: Tab;
  filters: InboxFilters;
  counts: { pending: number; problems: number };
  pending: PendingRow[];
  problems: ProblemRow[];
  automated: AutomatedRow[];
  categories: TaxonomyCategory[];
  selected: TicketView | null;
  /** One-line outcome of the last action ("Approved — sending"), shown once. */
  notice?: PageNotice | null;
  /** The undo window of a reply this agent just approved, while it is open. */
  undo?: PendingUndo | null;
  /** Text whose save was refused, to show beside the newer version. */
  unsaved?: { draftId: string; text: string };
}

/** "in 25 min", "3 h overdue": SLA risk at a glance (server time; the page refreshes live). */
export function dueLabel(due: Date | null, now: Date): { text: string; overdue: boolean } {
  if (!due) return { text: 'no SLA', overdue: false };
  const minutes = Math.round((due.getTime() - now.getTime()) / 60_000);
  const abs = Math.abs(minutes);
  const span =
    abs < 60
      ? `${abs} min`
      : abs < 48 * 60
        ? `${Math.round(abs / 60)} h`
        : `${Math.round(abs / 1440)} d`;
  return minutes < 0
    ? { text: `${span} overdue`, overdue: true }
    : { text: `due in ${span}`, overdue: false };
}

export function inboxHref(tab: Tab, filters: InboxFilters, extra: Record<string, string> = {}) {
  const params = new URLSearchParams();
  if (tab !== 'pending') params.set('tab', tab);
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `/app?${qs}` : '/app';
}

/** How a draft's kind reads to people (never the internal value). */
export const kindLabel: Record<Draft['kind'], string> = {
  llm: 'AI draft',
  extractive: 'Extractive (quoted from KB)',
  no_answer: 'No answer found',
  manual: 'Written by an agent',
};

const Filters: FC<{ filters: InboxFilters; categories: TaxonomyCategory[] }> = ({
  filters,
  categories,
}) => (
  <form method="get" action="/app" class="filters" aria-label="Filter pending drafts">
    <label>
      Category
      <select name="category">
        <option value="">All</option>
        {categories.map((c) => (
          <option value={c.name} selected={filters.category === c.name}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
    <label>
      Priority
      <select name="priority">
        <option value="">All</option>
        {priorities.map((p) => (
          <option value={p} selected={filters.priority === p}>
            {p}
          </option>
        ))}
      </select>
    </label>
    <label>
      Queue
      <input name="queue" value={filters.queue ?? ''} size={10} />
    </label>
    <button type="submit">Filter</button>
  </form>
);

/** The left column: tabs and the list; also served alone as a fragment for live refresh. */
export const QueuePane: FC<
  Omit<InboxProps, 'user' | 'selected' | 'notice'> & { selectedId?: string; now: Date }
> = (p) => (
  <section
    id="queue"
    class="queue"
    aria-label="Work queue"
    hx-get={`/app/queue?${new URLSearchParams({ tab: p.tab, ...Object.fromEntries(Object.entries(p.filters).filter(([, v]) => v)), ...(p.selectedId ? { selected: p.selectedId } : {}) }).toString()}`}
    hx-trigger="live-refresh from:body"
    hx-swap="outerHTML"
  >
    <nav class="tabs" aria-label="Queues">
      <a
        href={inboxHref('pending', p.filters)}
        aria-current={p.tab === 'pending' ? 'page' : undefined}
      >
        Pending{' '}
        <span class="count" data-testid="pending-count">
          {p.counts.pending}
        </span>
      </a>
      <a href={inboxHref('problems', {})} aria-current={p.tab === 'problems' ? 'page' : undefined}>
        Held or failed replies{' '}
        <span class={p.counts.problems ? 'count alert' : 'count'}>{p.counts.problems}</span>
      </a>
      <a
        href={inboxHref('automated', {})}
        aria-current={p.tab === 'automated' ? 'page' : undefined}
      >
        Automated mail
      </a>
    </nav>
    {p.tab === 'pending' ? <Filters filters={p.filters} categories={p.categories} /> : null}
    {p.tab === 'pending' ? (
      p.pending.length === 0 ? (
        <p class="empty">No drafts waiting. New ones appear here automatically.</p>
      ) : (
        <ol class="items" data-testid="pending-list">
          {p.pending.map((r) => {
            const due = dueLabel(r.draft.slaDueAt, p.now);
            return (
              <li
                class={r.draft.ticketId === p.selectedId ? 'item selected' : 'item'}
                data-draft-id={r.draft.id}
              >
                <a
                  href={inboxHref('pending', p.filters, { ticket: r.draft.ticketId })}
                  aria-current={r.draft.ticketId === p.selectedId ? 'true' : undefined}
                >
                  <span class="subject">{r.ticket.subject || '(no subject)'}</span>
                  <span class="meta">
                    {r.ticket.requesterName ?? r.ticket.requesterEmail ?? 'unknown requester'}
                    {r.triage?.category ? <span class="badge">{r.triage.category}</span> : null}
                    {r.triage?.priority ? (
                      <span class={`badge prio-${r.triage.priority}`}>{r.triage.priority}</span>
                    ) : null}
                    {r.draft.kind !== 'llm' ? (
                      <span class="badge warn">
                        {r.draft.kind === 'extractive' ? 'extractive' : 'abstained'}
                      </span>
                    ) : null}
                  </span>
                  <span class={due.overdue || r.draft.overdue ? 'due overdue' : 'due'}>
                    {due.text}
                  </span>
                </a>
              </li>
            );
          })}
        </ol>
      )
    ) : null}
    {p.tab === 'problems' ? (
      p.problems.length === 0 ? (
        <p class="empty">Every approved reply was delivered.</p>
      ) : (
        <ol class="items">
          {p.problems.map((r) => (
            <li class={r.ticket.id === p.selectedId ? 'item selected' : 'item'}>
              <a href={inboxHref('problems', {}, { ticket: r.ticket.id })}>
                <span class="subject">{r.ticket.subject || '(no subject)'}</span>
                <span class="meta">
                  {r.delivery.state === 'blocked' ? (
                    <span class="badge warn" data-delivery-state="blocked">
                      held
                    </span>
                  ) : (
                    <span class="badge danger" data-delivery-state={r.delivery.state}>
                      {r.delivery.state}
                    </span>
                  )}{' '}
                  {deliveryWording(r.delivery)}
                </span>
              </a>
            </li>
          ))}
        </ol>
      )
    ) : null}
    {p.tab === 'automated' ? (
      p.automated.length === 0 ? (
        <p class="empty">No automated mail received.</p>
      ) : (
        <ol class="items">
          {p.automated.map((t) => (
            <li class={t.id === p.selectedId ? 'item selected' : 'item'}>
              <a href={inboxHref('automated', {}, { ticket: t.id })}>
                <span class="subject">{t.subject || '(no subject)'}</span>
                <span class="meta">
                  {t.requesterEmail ?? ''}{' '}
                  <span class="badge">{t.automatedReason ?? 'automated'}</span>
                </span>
              </a>
            </li>
          ))}
        </ol>
      )
    ) : null}
  </section>
);

const authorLabel: Record<Message['authorKind'], string> = {
  customer: 'Customer',
  agent: 'Agent',
  ai: 'Deskpilot (auto-sent)',
  system: 'System',
};

/** A message's text without the quoted history, which opens on demand. */
/** "Name <email>", or whichever of the two the ticket has: never a bare "<email>". */
export function requesterLine(t: { requesterName: string | null; requesterEmail: string | null }) {
  if (t.requesterName && t.requesterEmail) return `${t.requesterName} <${t.requesterEmail}>`;
  return t.requesterName ?? t.requesterEmail ?? 'unknown requester';
}

/** Who wrote a message: a sent reply's author is its approver as recorded (an API key's id). */
export const MessageAuthor: FC<{
  message: Pick<Message, 'authorName' | 'authorEmail'>;
  actors: ActorNames | undefined;
}> = ({ message: m, actors }) => (
  <>{m.authorName ? actorLabel(m.authorName, actors) : (m.authorEmail ?? '')}</>
);

export const MessageText: FC<{ message: Pick<Message, 'strippedText' | 'bodyText'> }> = ({
  message: m,
}) => (
  <>
    <div class="body">{m.strippedText || m.bodyText}</div>
    {m.strippedText && m.strippedText !== m.bodyText ? (
      <details>
        <summary>Show quoted text</summary>
        <div class="body quoted">{m.bodyText}</div>
      </details>
    ) : null}
  </>
);

export const Conversation: FC<{ messages: Message[]; actors?: ActorNames }> = ({
  messages,
  actors,
}) => (
  <section class="conversation" aria-label="Conversation">
    <h2>Conversation</h2>
    {messages.map((m) => (
      <article class={`msg ${m.authorKind}`} aria-label={`${authorLabel[m.authorKind]} message`}>
        <header>
          <strong>{authorLabel[m.authorKind]}</strong> <MessageAuthor message={m} actors={actors} />{' '}
          <time datetime={m.createdAt.toISOString()}>
            {m.createdAt.toISOString().slice(0, 16).replace('T', ' ')}
          </time>
          {m.public ? null : <span class="badge">internal</span>}
        </header>
        <MessageText message={m} />
        {m.attachments.length ? (
          <p class="muted">
            Attachments: {m.attachments.map((a) => a.filename ?? 'file').join(', ')}
          </p>
        ) : null}
      </article>
    ))}
  </section>
);

const decidedByText: Record<FieldDecision['decidedBy'], string> = {
  classifier: 'model',
  llm: 'LLM',
  rules: 'rules (no model with enough labels yet)',
  agent: 'agent',
};

/**
 * Which model or rule decided a triage field, its confidence, any rule that overrode the model,
 * and the ticket's words that drove the model: what an agent needs to trust or correct it.
 */
const FieldWhy: FC<{ decision: FieldDecision | undefined }> = ({ decision }) => {
  if (!decision) return null;
  const by =
    decision.decidedBy === 'classifier' && decision.modelVersion !== null
      ? `model v${decision.modelVersion}`
      : decidedByText[decision.decidedBy];
  return (
    <span class="why" data-decided-by={decision.decidedBy}>
      <span class="muted">
        {' '}
        decided by {by}
        {decision.confidence !== null && decision.decidedBy !== 'agent'
          ? `, ${Math.round(decision.confidence * 100)}%`
          : ''}
        {decision.override
          ? `; ${decision.override.reason} changed it from ${decision.override.from}`
          : decision.decidedBy === 'rules' && decision.reasons.length > 0
            ? `: ${decision.reasons.join(', ')}`
            : ''}
      </span>
      {decision.explanation.length > 0 ? (
        <span class="terms" title="The words that pushed the model to this answer">
          {' '}
          because of{' '}
          {decision.explanation.map((term, i) => (
            <>
              {i > 0 ? ', ' : ''}
              <mark>{term.term}</mark>
            </>
          ))}
        </span>
      ) : null}
    </span>
  );
};

export const TriagePanel: FC<{ view: TicketView; csrf: string; back: string }> = ({
  view,
  csrf,
  back,
}) => {
  const t = view.triage;
  if (!t)
    return (
      <section class="triage">
        <h2>Triage</h2>
        <p class="muted">
          {view.ticket.automated
            ? 'Not triaged: automated mail is recorded, never triaged or answered.'
            : 'Not triaged yet.'}
        </p>
      </section>
    );
  const current = t.correctedCategory ?? t.category;
  return (
    <section class="triage" aria-label="Triage">
      <h2>Triage</h2>
      <dl>
        <dt>Predicted</dt>
        <dd>
          {t.category}{' '}
          <span class="muted">
            ({Math.round(t.confidence * 100)}%, {t.decidedBy})
          </span>
          <FieldWhy decision={t.fields.category} />
        </dd>
        <dt>Priority</dt>
        <dd>
          {t.priority} <FieldWhy decision={t.fields.priority} />
        </dd>
        <dt>Team / queue</dt>
        <dd>
          {t.team ?? '—'} / {t.queue ?? '—'} <FieldWhy decision={t.fields.queue} />
        </dd>
        {Object.entries(t.fields)
          .filter(([field]) => !['category', 'priority', 'queue', 'team'].includes(field))
          .map(([field, decision]) => (
            <>
              <dt>{field}</dt>
              <dd>
                {decision.value} <FieldWhy decision={decision} />
              </dd>
            </>
          ))}
        <dt>Sentiment</dt>
        <dd>{t.sentiment}</dd>
        <dt>Language</dt>
        <dd>{t.language ?? view.ticket.language ?? '—'}</dd>
      </dl>
      <form method="post" action={`/app/tickets/${view.ticket.id}/triage`} class="inline">
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="back" value={back} />
        <label for="category">Category</label>
        <select id="category" name="category" data-shortcut="c">
          {view.categories.map((c) => (
            <option value={c.name} selected={c.name === current}>
              {c.name}
            </option>
          ))}
        </select>
        <label for="priority">Priority</label>
        <select id="priority" name="priority">
          {priorities.map((p) => (
            <option value={p} selected={p === t.priority}>
              {p}
            </option>
          ))}
        </select>
        <button type="submit">Save correction</button>
      </form>
      {t.correctedCategory ? (
        <p class="muted">
          Corrected to {t.correctedCategory} by an agent; used as a training label.
        </p>
      ) : null}
    </section>
  );
};

/**
 * The draft's sources as the knowledge base is now: a passage that still exists links to itself,
 * one whose article was edited since links to the article, one whose article was deleted is
 * struck through and marked "removed since" (the reply may quote something no longer true).
 */
const Sources: FC<{ draft: Draft; sources: CitedSource[] | undefined }> = ({ draft, sources }) => {
  const items: CitedSource[] =
    sources ??
    draft.citations.map((c) => ({
      index: c.index,
      title: c.title,
      section: c.section,
      externalId: c.externalId ?? null,
      url: c.url,
      state: 'live' as const,
      articleId: c.articleId,
      chunkId: c.chunkId,
    }));
  return (
    <section class="citations" aria-label="Sources">
      <h3>Sources</h3>
      <ol>
        {items.map((c) => {
          const label = `${c.title}${c.section && c.section !== c.title ? ` › ${c.section}` : ''}`;
          return (
            <li value={c.index} data-source-state={c.state}>
              {c.state === 'removed' ? (
                <>
                  <span class="removed">{label}</span>{' '}
                  <span class="badge danger">removed since</span>
                </>
              ) : (
                <>
                  <a
                    href={
                      c.state === 'live'
                        ? `/app/kb/${c.articleId}#chunk-${c.chunkId}`
                        : `/app/kb/${c.articleId}`
                    }
                    target="_blank"
                    rel="noopener"
                  >
                    {label}
                  </a>
                  {c.state === 'changed' ? (
                    <>
                      {' '}
                      <span class="badge warn">article changed since</span>
                    </>
                  ) : null}
                </>
              )}
              {c.externalId ? <span class="muted"> · {c.externalId}</span> : null}
              {c.url ? <span class="muted"> ({c.url})</span> : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
};

export const DraftPanel: FC<{
  view: TicketView;
  csrf: string;
  back: string;
  /**
   * The page has its own reply composer (the ticket page): an abstained draft then offers no
   * second reply box, only the way to the composer.
   */
  composerOnPage?: boolean;
}> = ({ view, csrf, back, composerOnPage }) => {
  const d = view.draft;
  if (view.ticket.automated) {
    return (
      <section class="draft notice-box" aria-label="Draft">
        <h2>No reply</h2>
        <p role="note">
          This is automated mail ({view.ticket.automatedReason ?? 'auto-reply'}). Deskpilot never
          replies to automated senders, so no draft is written.
        </p>
      </section>
    );
  }
  if (!d)
    return (
      <section class="draft">
        <h2>Draft</h2>
        <p class="muted">No draft yet — it appears here when ready.</p>
      </section>
    );
  const pending = d.status === 'pending_approval';
  const abstained = d.state === 'abstained' || d.kind === 'no_answer';
  const replyBox = !(composerOnPage && abstained && pending);
  return (
    <section class="draft" aria-label="Draft reply">
      <h2>
        Draft v{d.version}{' '}
        <span class={d.kind === 'llm' ? 'badge' : 'badge warn'} data-testid="draft-kind">
          {kindLabel[d.kind]}
        </span>{' '}
        <span class="muted">
          confidence {Math.round(d.confidence * 100)}% · {d.model}
        </span>
      </h2>
      {d.provisional && pending ? (
        <div class="llm-preview" data-llm-preview={d.id} data-testid="llm-preview">
          <p class="llm-preview-status" role="status">
            The model is writing its draft; it replaces this extractive one when ready (unless you
            start on this one first).
          </p>
          <div class="llm-preview-text" aria-live="polite">
            {d.llmPreview ?? ''}
          </div>
        </div>
      ) : d.kind === 'extractive' ? (
        <p class="warn-box" role="note">
          The language model was unavailable or not configured: this draft quotes knowledge-base
          passages. Read it before sending.
        </p>
      ) : null}
      {abstained ? (
        <p class="warn-box" role="note" data-testid="draft-reason">
          No grounded answer: {d.reason ?? 'nothing relevant was found in the knowledge base.'}{' '}
          {replyBox ? (
            // The ticket page's composer has the knowledge-base panel: a passage inserted there
            // goes in with its citation, and drafting learns the article for questions like this.
            <>
              Write the answer yourself, or{' '}
              <a href={`/app/tickets/${view.ticket.id}`} data-testid="answer-on-ticket-page">
                answer from the knowledge base on the ticket page
              </a>{' '}
              (an article inserted with its citation teaches drafts to use it for questions like
              this).
            </>
          ) : (
            <a href="#reply-text">Write the answer yourself in the reply box.</a>
          )}
        </p>
      ) : d.reason && !(d.provisional && pending) ? (
        <p
          class={d.reason.startsWith(LEARNED_REASON) ? 'ok-box' : 'warn-box'}
          role="note"
          data-testid="draft-reason"
        >
          {d.reason}
        </p>
      ) : null}
      {d.regeneration ? (
        <p
          class={d.regeneration.unchanged ? 'warn-box' : 'ok-box'}
          role="status"
          data-testid="draft-regeneration"
        >
          {d.regeneration.unchanged
            ? 'Regenerate produced the same text: nothing different could be made from the knowledge base with these instructions.'
            : `Regenerated${d.regeneration.applied.length ? `: ${d.regeneration.applied.join(', ')}` : ''}.`}
          {d.regeneration.ignored.length
            ? ` Not understood without an LLM: ${d.regeneration.ignored.join('; ')}.`
            : ''}
        </p>
      ) : null}
      {d.guardFlags.length ? (
        <p class="warn-box" role="note">
          Needs a careful look: {d.guardFlags.join(', ')}
        </p>
      ) : null}
      {pending && view.unreachable ? (
        // Said before anyone approves: an approval here could only be held for good.
        <p class="warn-box" role="note" id="no-reply-route" data-testid="no-reply-route">
          {noReplyRouteWording(view.unreachable)}
          {composerOnPage ? null : (
            <>
              {' '}
              <a href={`/app/tickets/${view.ticket.id}`}>Open the ticket</a> to solve it.
            </>
          )}
        </p>
      ) : null}
      {!pending ? (
        <p
          class={
            d.status !== 'delivery_failed'
              ? 'ok-box'
              : view.delivery?.state === 'blocked'
                ? 'warn-box'
                : 'error-box'
          }
          role="status"
          data-testid="draft-status"
        >
          {draftStatusLine(d, view.delivery, (id) => actorLabel(id, view.actors))}
        </p>
      ) : null}
      {d.status === 'superseded' && d.regenerationRequest ? (
        // Until the new version arrives: what Regenerate will do with the agent's instructions
        // (the same line the API returns as `willDo`).
        <p class="muted" data-testid="regenerate-will-do">
          {describeInstructions(d.regenerationRequest)}
        </p>
      ) : null}
      {view.delivery && ['failed', 'uncertain', 'blocked'].includes(view.delivery.state) ? (
        <form
          method="post"
          action={`/app/deliveries/${view.delivery.id}/retry`}
          class={view.delivery.state === 'blocked' ? 'warn-box' : 'error-box'}
          data-testid="delivery-problem"
        >
          <p>{capitalised(deliveryWording(view.delivery))}</p>
          {view.delivery.state === 'blocked' ? (
            // Held by a guard, not a failed send: say what the agent can do about it.
            <p data-testid="held-advice">{heldAdviceFor(view.delivery)}</p>
          ) : null}
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="back" value={back} />
          {view.delivery.state === 'uncertain' ? (
            <label>
              <input type="checkbox" name="confirm" value="yes" required /> I checked: the customer
              did not receive this reply
            </label>
          ) : null}
          <button type="submit">Send again</button>
        </form>
      ) : null}
      {replyBox ? (
        <form method="post" action={`/app/drafts/${d.id}/approve`} id="approve-form">
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="lockVersion" value={String(d.lockVersion)} />
          <input type="hidden" name="back" value={back} />
          <label for="draft-text">
            Reply to {view.ticket.requesterName ?? view.ticket.requesterEmail ?? 'customer'}
          </label>
          <textarea
            id="draft-text"
            name="text"
            rows={12}
            readonly={!pending}
            data-original={d.bodyText}
          >
            {d.finalText ?? d.bodyText}
          </textarea>
          {pending && abstained ? (
            // The text is a holding reply: sending it unchanged takes this explicit yes (the
            // server refuses it otherwise); an edited text is the agent's own answer.
            <label class="warn-box" data-testid="holding-reply-confirm">
              <input type="checkbox" name="holdingReply" value="yes" /> Send this holding reply as
              written: it tells the customer we are looking into it, and does not answer the
              question
            </label>
          ) : null}
          {pending && view.unreachable ? (
            <div class="actions">
              <button
                type="submit"
                class="primary"
                disabled
                aria-describedby="no-reply-route"
                data-testid="approve-unavailable"
              >
                Can’t send: no way to reach the customer
              </button>
            </div>
          ) : pending ? (
            <div class="actions">
              <button type="submit" class="primary" data-shortcut="a" aria-keyshortcuts="a">
                <span class="when-unchanged">
                  {abstained ? 'Send holding reply' : <>Approve &amp; send</>}
                </span>
                <span class="when-edited">Send edited reply</span> <kbd>a</kbd>
              </button>
              <button type="submit" formaction={`/app/drafts/${d.id}/save`} class="save">
                Save draft
              </button>
            </div>
          ) : null}
        </form>
      ) : null}
      {view.unsaved && view.unsaved.draftId === d.id ? (
        <section class="warn-box unsaved" aria-label="Your unsaved text" data-testid="unsaved">
          <label for="unsaved-text">Your text (not saved)</label>
          <textarea id="unsaved-text" rows={8} readonly>
            {view.unsaved.text}
          </textarea>
        </section>
      ) : null}
      {d.citations.length ? <Sources draft={d} sources={view.sources} /> : null}
      {pending ? (
        <div class="secondary-actions">
          <form method="post" action={`/app/drafts/${d.id}/reject`} class="inline">
            <input type="hidden" name="_csrf" value={csrf} />
            <input type="hidden" name="lockVersion" value={String(d.lockVersion)} />
            <input type="hidden" name="back" value={back} />
            <label for="reject-reason">Reject because</label>
            <select id="reject-reason" name="reason" data-shortcut="r">
              <option>Wrong answer</option>
              <option>Missing information</option>
              <option>Wrong tone</option>
              <option>Needs a human conversation</option>
              <option>Policy or legal concern</option>
              <option>Other</option>
            </select>
            <input
              name="note"
              placeholder="Details (optional)"
              aria-label="Rejection details"
              maxlength={400}
            />
            <button type="submit">Reject</button>
          </form>
          <form method="post" action={`/app/drafts/${d.id}/regenerate`} class="inline">
            <input type="hidden" name="_csrf" value={csrf} />
            <input type="hidden" name="lockVersion" value={String(d.lockVersion)} />
            <input type="hidden" name="back" value={back} />
            <label for="instructions">Regenerate with</label>
            <input
              id="instructions"
              name="instructions"
              placeholder="shorter · longer · more formal · exclude source 2 · use article 1 · next best"
              title="Understood without an LLM: shorter, longer, more/less formal, use article N, exclude source N, next best. With an LLM, any instruction goes into the prompt."
              maxlength={500}
              data-shortcut="g"
            />
            <button type="submit">Regenerate</button>
          </form>
        </div>
      ) : null}
    </section>
  );
};

export const TicketPane: FC<{
  view: TicketView;
  csrf: string;
  back: string;
  /** This pane's own address (the inbox with this ticket selected): read again to follow it. */
  self: string;
}> = ({ view, csrf, back, self }) => (
  <section
    id="detail"
    class="detail"
    aria-label="Ticket"
    data-ticket-id={view.ticket.id}
    data-follow={self}
  >
    <header class="ticket-head">
      <h1>{view.ticket.subject || '(no subject)'}</h1>
      {/* Filled live by app.js: other agents with this ticket open or editing its draft. */}
      <p class="presence" data-presence data-testid="presence" aria-live="polite" hidden />
      {/* The pane follows its ticket like the ticket page (see LiveStaleNotice). */}
      <LiveStaleNotice reload={self} />
      <p class="muted" data-live-region="status">
        {requesterLine(view.ticket)} · {view.ticket.channel} · {view.ticket.status}
      </p>
      {view.ticket.automated ? (
        <p class="warn-box" role="note" data-testid="automated-banner">
          Automated mail: {view.ticket.automatedReason ?? 'auto-reply'}. Nothing will be sent to
          this sender.
        </p>
      ) : null}
    </header>
    <div class="columns">
      <div>
        <div data-live-region="draft">
          <DraftPanel view={view} csrf={csrf} back={back} />
        </div>
      </div>
      <div>
        <div data-live-region="triage">
          <TriagePanel view={view} csrf={csrf} back={back} />
        </div>
        <div data-live-region="thread">
          <Conversation messages={view.messages} actors={view.actors} />
        </div>
      </div>
    </div>
  </section>
);

const Shortcuts = () => (
  <details class="shortcuts">
    <summary>Keyboard shortcuts</summary>
    <dl>
      <dt>
        <kbd>j</kbd> / <kbd>k</kbd>
      </dt>
      <dd>next / previous ticket</dd>
      <dt>
        <kbd>e</kbd>
      </dt>
      <dd>edit the draft</dd>
      <dt>
        <kbd>a</kbd>
      </dt>
      <dd>approve and send (Ctrl+Enter while editing)</dd>
      <dt>
        <kbd>u</kbd>
      </dt>
      <dd>undo the approval while the countdown runs</dd>
      <dt>
        <kbd>r</kbd>
      </dt>
      <dd>reject (choose a reason)</dd>
      <dt>
        <kbd>g</kbd>
      </dt>
      <dd>regenerate with instructions</dd>
      <dt>
        <kbd>c</kbd>
      </dt>
      <dd>correct the category</dd>
      <dt>
        <kbd>Esc</kbd>
      </dt>
      <dd>leave a field</dd>
    </dl>
  </details>
);

export const InboxPage: FC<InboxProps & { now: Date }> = (p) => {
  const back = inboxHref(p.tab, p.filters);
  return (
    <Layout title="Inbox" user={p.user} active="inbox">
      <div
        class="inbox"
        data-live={
          p.selected
            ? `/app/events?${new URLSearchParams({ ticket: p.selected.ticket.id }).toString()}`
            : '/app/events'
        }
        data-me={p.user.id}
      >
        <QueuePane {...p} selectedId={p.selected?.ticket.id} />
        <div class="detail-wrap">
          <NoticeBox notice={p.notice} />
          {p.undo ? <UndoBar undo={p.undo} csrf={p.user.csrfToken} back={back} /> : null}
          {p.selected ? (
            <TicketPane
              view={p.unsaved ? { ...p.selected, unsaved: p.unsaved } : p.selected}
              csrf={p.user.csrfToken}
              back={back}
              self={inboxHref(p.tab, p.filters, { ticket: p.selected.ticket.id })}
            />
          ) : (
            <section id="detail" class="detail empty">
              <p>
                Select a ticket on the left
                {p.tab === 'pending' && p.pending.length ? ', or press j' : ''}.
              </p>
            </section>
          )}
          <Shortcuts />
        </div>
      </div>
    </Layout>
  );
};
