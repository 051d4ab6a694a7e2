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

export const AUTO_SOLVE_SCHEDULER_ID = 'auto-solve';

/** Registers the hourly auto-solve pass while AUTO_SOLVE_DAYS is above 0, removes it otherwise. */
export async function scheduleAutoSolve(deps: Pick<Deps, 'config' | 'queues' | 'log'>) {
  const queue = deps.queues['auto-solve'];
  if (deps.config.AUTO_SOLVE_DAYS <= 0) {
    await queue.removeJobScheduler(AUTO_SOLVE_SCHEDULER_ID);
    return null;
  }
  const job = await queue.upsertJobScheduler(
    AUTO_SOLVE_SCHEDULER_ID,
    { pattern: '17 * * * *' },
    { name: 'auto-solve', data: parseJobPayload('auto-solve', {}) },
  );
  deps.log.info({ days: deps.config.AUTO_SOLVE_DAYS }, 'auto-solve scheduled hourly');
  return job;
}
