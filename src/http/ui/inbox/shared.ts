import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { priorities } from '../../../db/schema/triage.js';
import type { ReviewResult } from '../../../pipeline/review/actions.js';
import { safeNext, type UiEnv } from '../session.js';

/** The router every inbox operation registers itself on. */
export type InboxApp = Hono<UiEnv>;

/** Outcome messages by code: the redirect carries a code, never text from the request. */
export const notices = {
  approved: { kind: 'ok', text: 'Approved. Undo before the countdown ends to keep it from going.' },
  edited: {
    kind: 'ok',
    text: 'Edited reply approved. Undo before the countdown ends to keep it from going.',
  },
  approved_held: {
    kind: 'ok',
    text: 'Approved — held: no outbound mail is configured (SMTP_URL), so nothing will be sent.',
  },
  saved: { kind: 'ok', text: 'Draft saved (not sent). Others who open it now see your version.' },
  undone: {
    kind: 'ok',
    text: 'Undone — nothing was sent. The draft is waiting for approval again.',
  },
  too_late_sent: { kind: 'error', text: 'Too late to undo: the reply was already sent.' },
  too_late_sending: { kind: 'error', text: 'Too late to undo: the reply is being sent right now.' },
  too_late: {
    kind: 'error',
    text: 'Too late to undo: the reply is no longer waiting to be sent (see its status).',
  },
  rejected: { kind: 'ok', text: 'Draft rejected.' },
  regenerating: { kind: 'ok', text: 'Regenerating — the new version appears here shortly.' },
  corrected: { kind: 'ok', text: 'Category corrected; it becomes a training label.' },
  retried: { kind: 'ok', text: 'Sending again.' },
  conflict: { kind: 'error', text: 'The draft changed since you loaded it. Review it again.' },
  claimed: { kind: 'error', text: 'Another agent is working on this draft.' },
  decided: { kind: 'error', text: 'This draft was already decided.' },
  undo_forbidden: {
    kind: 'error',
    text: 'Only the agent who sent this reply, or a manager, can undo it. Nothing was changed.',
  },
  missing: { kind: 'error', text: 'That item no longer exists.' },
  no_ticket: { kind: 'error', text: 'That ticket does not exist or is not in your queue.' },
  invalid: { kind: 'error', text: 'The form was incomplete; nothing was changed.' },
  confirm: { kind: 'error', text: 'Confirm the customer did not receive the reply first.' },
  not_retryable: { kind: 'error', text: 'This delivery cannot be retried.' },
  unreachable: {
    kind: 'error',
    text: 'Not sent: this ticket has no way to reach the customer (see why beside the draft). Answer them another way, then solve the ticket.',
  },
  holding_reply: {
    kind: 'error',
    text: 'Not sent: this draft found no grounded answer, so its text is only a holding reply. Write the answer, or tick “Send this holding reply as written” to send it anyway.',
  },
} as const;
export type NoticeCode = keyof typeof notices;

export const pageQuery = z.object({
  tab: z.enum(['pending', 'problems', 'automated']).catch('pending'),
  category: z.string().max(100).optional().catch(undefined),
  priority: z.enum(priorities).optional().catch(undefined),
  queue: z.string().max(100).optional().catch(undefined),
  ticket: z.uuid().optional().catch(undefined),
  selected: z.uuid().optional().catch(undefined),
  notice: z.string().optional().catch(undefined),
  /** A draft just approved: show its undo window. */
  undo: z.uuid().optional().catch(undefined),
});

export const lockField = z.coerce.number().int().min(0).optional();
export const uuidParam = z.uuid();

export function withParams(href: string, params: Record<string, string | undefined>): string {
  const url = new URL(href, 'http://x');
  for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
  return url.pathname + url.search;
}

export function reviewNotice(result: Extract<ReviewResult, { ok: false }>): NoticeCode {
  switch (result.reason) {
    case 'not_found':
      return 'missing';
    case 'claimed_by_other':
      return 'claimed';
    case 'not_pending':
      return 'decided';
    case 'holding_reply':
      return 'holding_reply';
    case 'no_reply_route':
      return 'unreachable';
    default:
      return 'conflict';
  }
}

export const form = async (c: { req: { parseBody: () => Promise<Record<string, unknown>> } }) =>
  c.req.parseBody();
const backOf = (body: Record<string, unknown>) =>
  safeNext(typeof body.back === 'string' ? body.back : undefined);

/**
 * The form posted to an inbox operation on `/:id`: where to go back to, the id from the path and
 * the fields `schema` reads. When either is malformed, `invalid` is the answer (back, with the
 * "nothing was changed" notice).
 */
export async function readForm<T extends z.ZodType>(
  c: Context<UiEnv>,
  schema: T,
): Promise<
  { ok: true; back: string; id: string; input: z.output<T> } | { ok: false; invalid: Response }
> {
  const body = await form(c);
  const back = backOf(body);
  const id = uuidParam.safeParse(c.req.param('id'));
  const input = schema.safeParse(body);
  if (!id.success || !input.success) {
    return { ok: false, invalid: c.redirect(withParams(back, { notice: 'invalid' }), 303) };
  }
  return { ok: true, back, id: id.data, input: input.data };
}
