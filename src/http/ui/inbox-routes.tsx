import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { canAccessTicket, getDraftInScope, teamScope } from '../../auth/team-scope.js';
import {
  inboxCounts,
  listAutomatedTickets,
  listProblemDeliveries,
} from '../../db/queries/agent-inbox.js';
import {
  getDelivery,
  getDeliveryForDraft,
  listDraftsForTicket,
  listPendingDrafts,
} from '../../db/queries/drafts.js';
import { getArticle, listArticleChunks } from '../../db/queries/kb.js';
import { getTicket, listMessages } from '../../db/queries/tickets.js';
import { getTriage, listCategories } from '../../db/queries/triage.js';
import { priorities } from '../../db/schema/triage.js';
import type { Deps } from '../../deps.js';
import type { LiveEvent } from '../../live/events.js';
import { retryDelivery } from '../../pipeline/deliver/retry.js';
import {
  approveDraft,
  type ReviewResult,
  regenerateDraft,
  rejectDraft,
} from '../../pipeline/review/actions.js';
import { correctTriage } from '../../pipeline/triage/correct.js';
import { Message } from './layout.js';
import { ArticlePage } from './pages/article.js';
import {
  type InboxFilters,
  InboxPage,
  inboxHref,
  QueuePane,
  type Tab,
  type TicketView,
} from './pages/inbox.js';
import { requireUser, safeNext, type UiEnv } from './session.js';

/** Outcome messages by code: the redirect carries a code, never text from the request. */
const notices = {
  approved: { kind: 'ok', text: 'Approved — the reply is being sent.' },
  edited: { kind: 'ok', text: 'Edited reply approved — it is being sent.' },
  rejected: { kind: 'ok', text: 'Draft rejected.' },
  regenerating: { kind: 'ok', text: 'Regenerating — the new version appears here shortly.' },
  corrected: { kind: 'ok', text: 'Category corrected; it becomes a training label.' },
  retried: { kind: 'ok', text: 'Sending again.' },
  conflict: { kind: 'error', text: 'The draft changed since you loaded it. Review it again.' },
  claimed: { kind: 'error', text: 'Another agent is working on this draft.' },
  decided: { kind: 'error', text: 'This draft was already decided.' },
  missing: { kind: 'error', text: 'That item no longer exists.' },
  no_ticket: { kind: 'error', text: 'That ticket does not exist or is not in your queue.' },
  invalid: { kind: 'error', text: 'The form was incomplete; nothing was changed.' },
  confirm: { kind: 'error', text: 'Confirm the customer did not receive the reply first.' },
  not_retryable: { kind: 'error', text: 'This delivery cannot be retried.' },
} as const;
type NoticeCode = keyof typeof notices;

const pageQuery = z.object({
  tab: z.enum(['pending', 'problems', 'automated']).catch('pending'),
  category: z.string().max(100).optional().catch(undefined),
  priority: z.enum(priorities).optional().catch(undefined),
  queue: z.string().max(100).optional().catch(undefined),
  ticket: z.uuid().optional().catch(undefined),
  selected: z.uuid().optional().catch(undefined),
  notice: z.string().optional().catch(undefined),
});

const lockField = z.coerce.number().int().min(0).optional();
const approveForm = z.object({
  // Browsers submit textarea line breaks as CRLF (HTML spec); drafts are stored with LF.
  text: z
    .string()
    .transform((t) => t.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1).max(20_000)),
  lockVersion: lockField,
});
const rejectForm = z.object({
  reason: z.string().trim().min(1).max(100),
  note: z.string().trim().max(400).optional(),
  lockVersion: lockField,
});
const regenerateForm = z.object({
  instructions: z.string().trim().max(500).optional(),
  lockVersion: lockField,
});
const uuidParam = z.uuid();

function withParams(href: string, params: Record<string, string | undefined>): string {
  const url = new URL(href, 'http://x');
  for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
  return url.pathname + url.search;
}

function reviewNotice(result: Extract<ReviewResult, { ok: false }>): NoticeCode {
  switch (result.reason) {
    case 'not_found':
      return 'missing';
    case 'claimed_by_other':
      return 'claimed';
    case 'not_pending':
      return 'decided';
    default:
      return 'conflict';
  }
}

/** The agent inbox: server-rendered pages and form posts over the same functions as the API. */
export function inboxPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  const agent = requireUser(deps, 'agent');
  app.use('/app', agent);
  app.use('/app/queue', agent);
  app.use('/app/events', agent);
  app.use('/app/drafts/*', agent);
  app.use('/app/tickets/*', agent);
  app.use('/app/deliveries/*', agent);
  app.use('/app/kb/*', agent);

  /**
   * The selected ticket, or null when it does not exist or is another team's (the same answer,
   * so ids are not confirmed); `categories` comes from the queue data already loaded for the page.
   */
  async function ticketView(
    user: UiEnv['Variables']['user'],
    ticketId: string,
    categories: TicketView['categories'],
  ): Promise<TicketView | null> {
    if (!(await canAccessTicket(deps.db, user, ticketId))) return null;
    const ticket = await getTicket(deps.db, ticketId);
    if (!ticket) return null;
    const [messages, triage, drafts] = await Promise.all([
      listMessages(deps.db, ticket.id),
      getTriage(deps.db, ticket.id),
      listDraftsForTicket(deps.db, ticket.id),
    ]);
    const draft = drafts.at(-1) ?? null;
    const delivery = draft ? await getDeliveryForDraft(deps.db, draft.id) : null;
    return { ticket, messages, triage: triage ?? null, draft, delivery, categories };
  }

  async function queueData(user: UiEnv['Variables']['user'], tab: Tab, filters: InboxFilters) {
    // Agents in a team see their team's and unrouted tickets; everyone else sees everything.
    const scopeTeam = teamScope(user);
    const [counts, pending, problems, automated, categories] = await Promise.all([
      inboxCounts(deps.db, { scopeTeam }),
      tab === 'pending'
        ? listPendingDrafts(deps.db, { ...filters, scopeTeam, limit: 100 })
        : Promise.resolve([]),
      tab === 'problems' ? listProblemDeliveries(deps.db, { scopeTeam }) : Promise.resolve([]),
      tab === 'automated' ? listAutomatedTickets(deps.db, { scopeTeam }) : Promise.resolve([]),
      listCategories(deps.db, { activeOnly: true }),
    ]);
    return { counts, pending, problems, automated, categories };
  }

  app.get('/app', async (c) => {
    const q = pageQuery.parse(c.req.query());
    const filters: InboxFilters = { category: q.category, priority: q.priority, queue: q.queue };
    const user = c.get('user');
    const data = await queueData(user, q.tab, filters);
    // Straight to work: with nothing selected, open the ticket most at risk.
    const ticketId =
      q.ticket ??
      (q.tab === 'pending' ? data.pending[0]?.draft.ticketId : undefined) ??
      (q.tab === 'problems' ? data.problems[0]?.ticket.id : undefined);
    const selected = ticketId ? await ticketView(user, ticketId, data.categories) : null;
    // A ticket asked for by id that is missing or another team's: the queue, a notice and a 404.
    const unknownTicket = q.ticket !== undefined && !selected;
    const notice = unknownTicket
      ? notices.no_ticket
      : q.notice && q.notice in notices
        ? notices[q.notice as NoticeCode]
        : null;
    return c.html(
      <InboxPage
        user={user}
        tab={q.tab}
        filters={filters}
        {...data}
        selected={selected}
        notice={notice}
        now={deps.now()}
      />,
      unknownTicket ? 404 : 200,
    );
  });

  /** The queue column alone, for the live refresh (htmx swaps it in place). */
  app.get('/app/queue', async (c) => {
    const q = pageQuery.parse(c.req.query());
    const filters: InboxFilters = { category: q.category, priority: q.priority, queue: q.queue };
    const data = await queueData(c.get('user'), q.tab, filters);
    return c.html(
      <QueuePane
        tab={q.tab}
        filters={filters}
        {...data}
        selectedId={q.selected}
        now={deps.now()}
      />,
    );
  });

  /**
   * Server-sent events: new drafts, decisions and delivery changes (ids only). The page reacts by
   * refreshing its queue column; a comment every 25 s keeps proxies from closing the stream.
   */
  app.get('/app/events', (c) =>
    streamSSE(c, async (stream) => {
      const pending: LiveEvent[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = deps.live.subscribe((event) => {
        pending.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted && !stream.closed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 25_000);
        });
        wake = null;
        if (stream.aborted) break;
        if (pending.length === 0) {
          await stream.write(': keep-alive\n\n');
          continue;
        }
        for (const event of pending.splice(0)) {
          await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
        }
      }
      unsubscribe();
    }),
  );

  const form = async (c: { req: { parseBody: () => Promise<Record<string, unknown>> } }) =>
    c.req.parseBody();
  const backOf = (body: Record<string, unknown>) =>
    safeNext(typeof body.back === 'string' ? body.back : undefined);

  app.post('/app/drafts/:id/approve', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const input = approveForm.safeParse(body);
    if (!id.success || !input.success)
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    const draft = await getDraftInScope(deps.db, c.get('user'), id.data);
    if (!draft) return c.redirect(withParams(back, { notice: 'missing' }), 303);
    // Unchanged text is a plain approval; anything else is edit-and-approve (the diff is kept).
    const edited = input.data.text !== draft.bodyText.trim();
    const result = await approveDraft(deps, {
      draftId: draft.id,
      actorId: c.get('user').email,
      lockVersion: input.data.lockVersion,
      ...(edited ? { finalText: input.data.text } : {}),
    });
    if (!result.ok) {
      return c.redirect(
        withParams(back, { ticket: draft.ticketId, notice: reviewNotice(result) }),
        303,
      );
    }
    deps.notifyOutbox();
    await deps.live.publish({
      type: 'draft.decided',
      draftId: draft.id,
      ticketId: draft.ticketId,
      status: 'approved',
    });
    return c.redirect(withParams(back, { notice: edited ? 'edited' : 'approved' }), 303);
  });

  app.post('/app/drafts/:id/reject', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const input = rejectForm.safeParse(body);
    if (!id.success || !input.success)
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    if (!(await getDraftInScope(deps.db, c.get('user'), id.data))) {
      return c.redirect(withParams(back, { notice: 'missing' }), 303);
    }
    const reason = input.data.note ? `${input.data.reason}: ${input.data.note}` : input.data.reason;
    const result = await rejectDraft(deps, {
      draftId: id.data,
      actorId: c.get('user').email,
      lockVersion: input.data.lockVersion,
      reason,
    });
    if (!result.ok) return c.redirect(withParams(back, { notice: reviewNotice(result) }), 303);
    await deps.live.publish({
      type: 'draft.decided',
      draftId: result.draft.id,
      ticketId: result.draft.ticketId,
      status: 'rejected',
    });
    return c.redirect(withParams(back, { notice: 'rejected' }), 303);
  });

  app.post('/app/drafts/:id/regenerate', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const input = regenerateForm.safeParse(body);
    if (!id.success || !input.success)
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    if (!(await getDraftInScope(deps.db, c.get('user'), id.data))) {
      return c.redirect(withParams(back, { notice: 'missing' }), 303);
    }
    const result = await regenerateDraft(deps, {
      draftId: id.data,
      actorId: c.get('user').email,
      lockVersion: input.data.lockVersion,
      instructions: input.data.instructions || null,
    });
    if (!result.ok) return c.redirect(withParams(back, { notice: reviewNotice(result) }), 303);
    deps.notifyOutbox();
    return c.redirect(
      withParams(back, { ticket: result.draft.ticketId, notice: 'regenerating' }),
      303,
    );
  });

  app.post('/app/tickets/:id/triage', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const category = z.string().trim().min(1).max(100).safeParse(body.category);
    if (!id.success || !category.success) {
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    }
    // Another team's ticket is treated exactly like a missing one.
    const result = (await canAccessTicket(deps.db, c.get('user'), id.data))
      ? await correctTriage(deps, {
          ticketId: id.data,
          category: category.data,
          actorId: c.get('user').email,
        })
      : ({ ok: false, reason: 'ticket_not_found' } as const);
    deps.notifyOutbox();
    return c.redirect(
      withParams(back, { ticket: id.data, notice: result.ok ? 'corrected' : 'invalid' }),
      303,
    );
  });

  app.post('/app/deliveries/:id/retry', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    if (!id.success) return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    const delivery = await getDelivery(deps.db, id.data);
    if (delivery && !(await canAccessTicket(deps.db, c.get('user'), delivery.ticketId))) {
      return c.redirect(withParams(back, { notice: 'missing' }), 303);
    }
    const result = await retryDelivery(deps, {
      deliveryId: id.data,
      actorId: c.get('user').email,
      confirmNotReceived: body.confirm === 'yes',
    });
    if (result.ok) deps.notifyOutbox();
    const notice: NoticeCode = result.ok
      ? 'retried'
      : result.reason === 'needs_confirmation'
        ? 'confirm'
        : result.reason === 'not_found'
          ? 'missing'
          : 'not_retryable';
    return c.redirect(withParams(back, { notice }), 303);
  });

  /** A knowledge-base article as the draft's citations link to it (chunk anchors). */
  app.get('/app/kb/:id', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    const article = id.success ? await getArticle(deps.db, id.data) : undefined;
    if (!article) {
      return c.html(
        <Message title="Article not found" user={c.get('user')}>
          <p>It may have been deleted since the draft was written.</p>
        </Message>,
        404,
      );
    }
    const chunks = await listArticleChunks(deps.db, article.id);
    return c.html(<ArticlePage user={c.get('user')} article={article} chunks={chunks} />);
  });

  app.get('/app/', (c) => c.redirect(inboxHref('pending', {}), 301));
  return app;
}
