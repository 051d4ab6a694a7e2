import { configOrExit, explainStartupError } from './boot.js';
import { assertRedisReachable } from './jobs/redis.js';
import { startHeartbeat } from './observability/heartbeat.js';
import { installCrashHandlers, installSignalHandlers, startRuntime } from './runtime.js';

const config = configOrExit();
/** docker-compose.yml's worker health check fails past 3 intervals (30 s) without a write. */
const HEARTBEAT_INTERVAL_MS = 10_000;

try {
  await assertRedisReachable(config.REDIS_URL);
  const runtime = await startRuntime(config, { api: false, worker: true }, { embedded: 'share' });
  installSignalHandlers(runtime, config.SHUTDOWN_TIMEOUT_MS);
  installCrashHandlers(runtime.deps.log);
  // Begins once the workers run, so a fresh file means a started worker whose loop turns.
  if (config.HEARTBEAT_FILE) {
    startHeartbeat(config.HEARTBEAT_FILE, {
      intervalMs: HEARTBEAT_INTERVAL_MS,
      log: runtime.deps.log,
    });
  }
  runtime.deps.log.info({ database: runtime.deps.database.kind }, 'deskpilot worker started');
} catch (err) {
  console.error(explainStartupError(err, config));
  process.exit(1);
}
