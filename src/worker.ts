import { configOrExit, explainStartupError } from './boot.js';
import { assertRedisReachable } from './jobs/redis.js';
import { installCrashHandlers, installSignalHandlers, startRuntime } from './runtime.js';

const config = configOrExit();

try {
  await assertRedisReachable(config.REDIS_URL);
  const runtime = await startRuntime(config, { api: false, worker: true }, { embedded: 'share' });
  installSignalHandlers(runtime, config.SHUTDOWN_TIMEOUT_MS);
  installCrashHandlers(runtime.deps.log);
  runtime.deps.log.info({ database: runtime.deps.database.kind }, 'deskpilot worker started');
} catch (err) {
  console.error(explainStartupError(err, config));
  process.exit(1);
}
