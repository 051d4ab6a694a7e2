import { deliver } from '../../pipeline/deliver/deliver.js';
import { rateLimitDelayMs } from '../retry-after.js';
import type { Processor } from './types.js';

export const processDeliver: Processor<'deliver'> = async (deps, payload, job) => {
  const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const state = await deliver(deps, payload.deliveryId, {
    finalAttempt,
    // The worker delays a rate-limited job without using an attempt (workers.ts), last one too.
    waitsOut: (err) => rateLimitDelayMs(err, job, Date.now()) !== null,
    acceptedMessageId: payload.acceptedMessageId,
    // Kept in Redis with the job, which outlives a database outage.
    rememberAccepted: (messageId) => job.updateData({ ...payload, acceptedMessageId: messageId }),
  });
  return { state };
};
