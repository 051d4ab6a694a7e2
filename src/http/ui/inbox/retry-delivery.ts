import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { retryDelivery } from '../../../pipeline/deliver/retry.js';
import { type InboxApp, type NoticeCode, readForm, withParams } from './shared.js';

const retryForm = z.object({ confirm: z.unknown().optional() });

/** POST /app/deliveries/:id/retry: send a failed reply again (after confirming it did not arrive). */
export function registerRetryDeliveryForm(app: InboxApp, deps: Deps) {
  app.post('/app/deliveries/:id/retry', async (c) => {
    const posted = await readForm(c, retryForm);
    if (!posted.ok) return posted.invalid;
    const { back, id, input } = posted;
    const result = await retryDelivery(deps, {
      deliveryId: id,
      actor: userActor(c.get('user')),
      confirmNotReceived: input.confirm === 'yes',
    });
    const notice: NoticeCode = result.ok
      ? 'retried'
      : result.reason === 'needs_confirmation'
        ? 'confirm'
        : result.reason === 'not_found'
          ? 'missing'
          : 'not_retryable';
    return c.redirect(withParams(back, { notice }), 303);
  });
}
