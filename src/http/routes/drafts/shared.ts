import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { actorLabel, actorNames } from '../../../auth/actor-names.js';
import { getDraftInScope } from '../../../auth/team-scope.js';
import type { Db } from '../../../db/client.js';
import type { Deps } from '../../../deps.js';
import { noReplyRouteWording } from '../../../pipeline/deliver/schedule.js';
import type { ReviewResult } from '../../../pipeline/review/actions.js';
import type { AppEnv } from '../../context.js';
import { AppError, describeIssues } from '../../errors.js';

/**
 * A review failure as the envelope's error (throw it): 404 gone, 409 someone else was first —
 * named as people know them (a key by its name, see actorNames) — or 409 `customer_unreachable`
 * when the ticket has no way to reach its customer (what is missing, and what to do instead).
 */
export async function reviewError(
  db: Db,
  result: Extract<ReviewResult, { ok: false }>,
): Promise<AppError> {
  switch (result.reason) {
    case 'not_found':
      return new AppError('not_found', 'No such draft');
    case 'claimed_by_other': {
      const by = result.draft?.claimedBy;
      const who = by ? actorLabel(by, await actorNames(db, [by])) : 'another agent';
      return new AppError('conflict', `Draft is claimed by ${who}`);
    }
    case 'not_pending':
      return new AppError('conflict', `Draft is already ${result.draft?.status ?? 'decided'}`);
    case 'no_reply_route':
      return new AppError('customer_unreachable', noReplyRouteWording(result.route));
    case 'holding_reply':
      return new AppError(
        'conflict',
        'Not sent: this draft found no grounded answer, so its text is only a holding reply. Repeat with {"holdingReply": true} to send it as written, or send your answer with POST /api/drafts/{id}/edit',
      );
    default:
      return new AppError('conflict', 'Draft changed since you loaded it (reload and try again)');
  }
}

/**
 * The draft this request names, if the caller's team may see its ticket. A draft of another
 * team's ticket answers exactly like a missing one (404), before any action runs.
 */
export async function draftInScope(deps: Pick<Deps, 'db'>, c: Context<AppEnv>, id: string) {
  const draft = await getDraftInScope(deps.db, c.get('principal')!, id);
  if (!draft) throw new AppError('not_found', 'No such draft');
  return draft;
}

/** An optional JSON body: empty means {}, anything else must parse and validate (400 otherwise). */
export async function optionalBody<S extends z.ZodType>(
  c: { req: { text: () => Promise<string> } },
  schema: S,
): Promise<z.infer<S>> {
  const text = (await c.req.text()).trim();
  let json: unknown = {};
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError('bad_request', 'Body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new AppError('validation_failed', describeIssues(parsed.error.issues));
  return parsed.data;
}
