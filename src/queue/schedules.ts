import type { Deps } from '../deps.js';
import { parseJobPayload } from '../jobs/payloads.js';
import { retentionEnabled, retentionPolicy } from '../privacy/retention.js';

export const RETENTION_SCHEDULER_ID = 'retention';

/**
 * Registers (or updates, or removes when every period is 0) the repeatable retention job. Every
 * worker process may call it: the scheduler id makes it one schedule, not one per replica.
 */
export async function scheduleRetention(deps: Pick<Deps, 'config' | 'queues' | 'log'>) {
  const queue = deps.queues.retention;
  if (!retentionEnabled(retentionPolicy(deps.config))) {
    await queue.removeJobScheduler(RETENTION_SCHEDULER_ID);
    return null;
  }
  const job = await queue.upsertJobScheduler(
    RETENTION_SCHEDULER_ID,
    { pattern: deps.config.RETENTION_SCHEDULE },
    { name: 'retention', data: parseJobPayload('retention', {}) },
  );
  deps.log.info(
    { schedule: deps.config.RETENTION_SCHEDULE, next: job?.opts.delay },
    'retention job scheduled',
  );
  return job;
}
