import type { Config } from '../../config/index.js';
import type { Db } from '../../db/client.js';
import { retentionEnabled, retentionPolicy, runRetention } from '../../privacy/retention.js';

/** `retention run [--dry-run]`: one retention pass now, its counts printed as one JSON line. */
export async function retentionRun(db: Db, config: Config, opts: { dryRun: boolean }) {
  const policy = retentionPolicy(config);
  if (!retentionEnabled(policy)) {
    console.error('every RETENTION_* period is 0 (keep forever); only expired nonces are purged');
  }
  const report = await runRetention(db, policy, {
    now: new Date(),
    dryRun: opts.dryRun,
    actor: { kind: 'cli' },
  });
  console.log(JSON.stringify(report));
}
