import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import {
  builtInViewNames,
  builtInViews,
  type TicketListFilters,
  type TicketListRow,
} from '../../../db/queries/ticket-list.js';
import type { SavedView } from '../../../db/schema/saved-views.js';
import {
  type DraftState,
  draftStates,
  ticketChannels,
  ticketStatuses,
} from '../../../db/schema/tickets.js';
import { priorities } from '../../../db/schema/triage.js';
import { Layout, NoticeBox, type PageNotice } from '../layout.js';

export const draftStateLabel: Record<DraftState, string> = {
  none: 'no draft',
  pending: 'draft pending',
  abstained: 'drafter abstained',
  rejected: 'draft rejected',
  sending: 'waiting on delivery',
  answered: 'answered',
  delivery_failed: 'delivery failed',
  held: 'reply held',
};
const draftStateBadge: Record<DraftState, string> = {
  none: 'badge warn',
  pending: 'badge',
  abstained: 'badge warn',
  rejected: 'badge warn',
  sending: 'badge',
  answered: 'badge ok',
  delivery_failed: 'badge danger',
  // A guard kept the reply (no SMTP, loop protection, the daily cap): a warning, not a failure.
  held: 'badge warn',
};
/** The ticket's draft state (`tickets.draft_state`), on the list and the ticket page alike. */
export const DraftStateBadge: FC<{ state: DraftState }> = ({ state }) => (
  <span class={draftStateBadge[state]} data-draft-state={state}>
    {draftStateLabel[state]}
  </span>
);

/** The list's address for a set of filters (empty ones left out). */
export function ticketsHref(params: Record<string, string | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  }
  const qs = search.toString();
  return qs ? `/app/tickets?${qs}` : '/app/tickets';
}

export interface TicketListProps {
  user: SessionPrincipal;
  /** The filters as given in the address (a saved view's id stays `view`). */
  query: Record<string, string | undefined>;
  /** What was applied after resolving the view. */
  filters: TicketListFilters;
  viewTitle: string;
  rows: TicketListRow[];
  nextCursor: string | null;
  /** Rows per page; a shorter page with a next cursor searched only the newest tickets. */
  pageSize: number;
  savedViews: SavedView[];
  notice?: PageNotice | null;
  now: Date;
}

const Select: FC<{
  name: string;
  label: string;
  value?: string;
  options: readonly string[];
  labels?: Record<string, string>;
}> = ({ name, label, value, options, labels }) => (
  <label>
    {label}
    <select name={name}>
      <option value="">Any</option>
      {options.map((o) => (
        <option value={o} selected={value === o}>
          {labels?.[o] ?? o}
        </option>
      ))}
    </select>
  </label>
);

const filterFields = [
  'q',
  'from',
  'to',
  'status',
  'draftState',
  'priority',
  'channel',
  'automated',
  'slaBreached',
  'queue',
  'team',
  'category',
  'assignee',
] as const;

const FilterForm: FC<{ query: TicketListProps['query'] }> = ({ query }) => (
  <form method="get" action="/app/tickets" class="ticket-filters" aria-label="Filter tickets">
    {query.view ? <input type="hidden" name="view" value={query.view} /> : null}
    <label class="search">
      Search
      <input
        type="search"
        name="q"
        value={query.q ?? ''}
        placeholder="Subject, message or requester"
        maxlength={200}
      />
    </label>
    <Select name="status" label="Status" value={query.status} options={ticketStatuses} />
    <Select
      name="draftState"
      label="Draft"
      value={query.draftState}
      options={draftStates}
      labels={draftStateLabel}
    />
    <Select name="priority" label="Priority" value={query.priority} options={priorities} />
    <Select name="channel" label="Channel" value={query.channel} options={ticketChannels} />
    <Select
      name="automated"
      label="Automated"
      value={query.automated}
      options={['false', 'true']}
      labels={{ false: 'people only', true: 'automated only' }}
    />
    <Select
      name="slaBreached"
      label="SLA"
      value={query.slaBreached}
      options={['true', 'false']}
      labels={{ true: 'breached', false: 'not breached' }}
    />
    <label>
      Created from
      <input type="date" name="from" value={query.from ?? ''} />
    </label>
    <label>
      to
      <input type="date" name="to" value={query.to ?? ''} />
    </label>
    <label>
      Queue
      <input name="queue" value={query.queue ?? ''} size={10} maxlength={100} />
    </label>
    <label>
      Team
      <input name="team" value={query.team ?? ''} size={10} maxlength={100} />
    </label>
    <label>
      Category
      <input name="category" value={query.category ?? ''} size={10} maxlength={100} />
    </label>
    <label>
      Assignee
      <input name="assignee" value={query.assignee ?? ''} size={10} maxlength={100} />
    </label>
    <button type="submit" class="primary">
      Apply
    </button>
  </form>
);

const ViewsNav: FC<{ p: TicketListProps }> = ({ p }) => {
  const current = p.query.view ?? '';
  return (
    <nav class="views" aria-label="Views">
      <a href="/app/tickets" aria-current={current === '' ? 'page' : undefined}>
        All tickets
      </a>
      {builtInViewNames.map((v) => (
        <a href={ticketsHref({ view: v })} aria-current={current === v ? 'page' : undefined}>
          {builtInViews[v].label}
        </a>
      ))}
      {p.savedViews.map((v) => (
        <span class="saved-view">
          <a
            href={ticketsHref({ view: v.id })}
            aria-current={current === v.id ? 'page' : undefined}
          >
            {v.name}
          </a>
          <form method="post" action={`/app/ticket-views/${v.id}/delete`} class="inline">
            <input type="hidden" name="_csrf" value={p.user.csrfToken} />
            <button type="submit" class="link" aria-label={`Delete saved view ${v.name}`}>
              ×
            </button>
          </form>
        </span>
      ))}
    </nav>
  );
};

const SaveViewForm: FC<{ p: TicketListProps }> = ({ p }) => (
  <form method="post" action="/app/ticket-views" class="inline save-view">
    <input type="hidden" name="_csrf" value={p.user.csrfToken} />
    {p.filters.view ? <input type="hidden" name="view" value={p.filters.view} /> : null}
    {filterFields.map((f) => {
      const v = p.filters[f];
      return v === undefined ? null : <input type="hidden" name={f} value={String(v)} />;
    })}
    <label for="view-name">Save these filters as</label>
    <input id="view-name" name="name" required maxlength={60} placeholder="View name" />
    <button type="submit">Save view</button>
  </form>
);

function shortTime(d: Date, now: Date): string {
  const sameDay = d.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  return sameDay ? d.toISOString().slice(11, 16) : d.toISOString().slice(0, 16).replace('T', ' ');
}

export const TicketRows: FC<{ rows: TicketListRow[]; now: Date }> = ({ rows, now }) => (
  <ol class="ticket-list" data-testid="ticket-list">
    {rows.map((r) => (
      <li class="ticket-row" data-ticket-id={r.id}>
        <a href={`/app/tickets/${r.id}`} class="subject">
          {r.subject || '(no subject)'}
        </a>
        <span class="meta">
          <span class="requester">
            {r.requesterName ?? r.requesterEmail ?? 'unknown requester'}
          </span>
          <span class="badge">{r.status}</span>
          <DraftStateBadge state={r.draftState} />
          {r.slaBreached ? <span class="badge danger">overdue</span> : null}
          {r.automated ? <span class="badge">automated</span> : null}
          {r.category ? <span class="badge">{r.category}</span> : null}
          {r.priority && r.priority !== 'normal' ? (
            <span class={`badge prio-${r.priority}`}>{r.priority}</span>
          ) : null}
          {r.team ? <span class="muted">{r.team}</span> : null}
          <span class="muted">{r.channel}</span>
          {r.externalId ? <span class="muted">#{r.externalId}</span> : null}
          <time class="muted" datetime={r.createdAt.toISOString()}>
            {shortTime(r.createdAt, now)}
          </time>
        </span>
      </li>
    ))}
  </ol>
);

export const TicketListPage: FC<TicketListProps> = (p) => (
  <Layout title={p.viewTitle} user={p.user} active="tickets">
    <div class="tickets-page">
      <h1>{p.viewTitle}</h1>
      <NoticeBox notice={p.notice} />
      <ViewsNav p={p} />
      <FilterForm query={p.query} />
      {p.rows.length === 0 ? (
        <p class="empty" data-testid="no-tickets">
          No tickets match.
        </p>
      ) : (
        <TicketRows rows={p.rows} now={p.now} />
      )}
      <div class="pager">
        {p.query.cursor ? (
          <a href={ticketsHref({ ...p.query, cursor: undefined })}>First page</a>
        ) : null}
        {p.nextCursor ? (
          <a href={ticketsHref({ ...p.query, cursor: p.nextCursor })} rel="next">
            {p.rows.length < p.pageSize ? 'Search older tickets' : 'Next page'}
          </a>
        ) : null}
      </div>
      <SaveViewForm p={p} />
    </div>
  </Layout>
);
