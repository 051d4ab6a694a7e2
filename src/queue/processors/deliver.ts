import { deliver } from '../../pipeline/deliver/deliver.js';
import type { Processor } from './types.js';

export const processDeliver: Processor<'deliver'> = async (deps, payload, job) => {
  const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  return { state: await deliver(deps, payload.deliveryId, { finalAttempt }) };
};
