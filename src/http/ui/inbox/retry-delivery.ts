import { userActor } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { retryDelivery } from '../../../pipeline/deliver/retry.js';
import { backOf, form, type InboxApp, type NoticeCode, uuidParam, withParams } from './shared.js';

/** POST /app/deliveries/:id/retry: send a failed reply again (after confirming it did not arrive). */
export function registerRetryDeliveryForm(app: InboxApp, deps: Deps) {
  app.post('/app/deliveries/:id/retry', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    if (!id.success) return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    const result = await retryDelivery(deps, {
      deliveryId: id.data,
      actor: userActor(c.get('user')),
      confirmNotReceived: body.confirm === 'yes',
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
