import { retentionEnabled, retentionPolicy, runRetention } from '../../privacy/retention.js';
import type { Processor } from './types.js';

/** The scheduled retention run (src/privacy/retention.ts); idempotent, so a rerun is harmless. */
export const processRetention: Processor<'retention'> = async (deps, payload, job) => {
  const policy = retentionPolicy(deps.config);
  if (!retentionEnabled(policy)) return { skipped: 'every retention period is 0' };
  const report = await runRetention(deps.db, policy, {
    now: deps.now(),
    dryRun: payload.dryRun ?? false,
    actor: { kind: 'system', id: `job:${job.id ?? 'retention'}` },
    // Long first runs report progress between batches, which extends the job's lock.
    onBatch: async () => {
      await job.updateProgress({ at: Date.now() });
    },
  });
  deps.log.info({ report }, 'retention run finished');
  return report;
};
