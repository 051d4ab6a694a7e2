import { configOrExit, explainStartupError } from './boot.js';
import { assertRedisReachable } from './jobs/redis.js';
import { installCrashHandlers, installSignalHandlers, startRuntime } from './runtime.js';

const config = configOrExit();
const apiOnly = process.argv.includes('--role') && process.argv.includes('api');

try {
  await assertRedisReachable(config.REDIS_URL);
  const runtime = await startRuntime(config, { api: true, worker: !apiOnly });
  installSignalHandlers(runtime, config.SHUTDOWN_TIMEOUT_MS);
  installCrashHandlers(runtime.deps.log);
  runtime.deps.log.info(
    {
      url: `http://localhost:${runtime.port}`,
      roles: apiOnly ? ['api'] : ['api', 'worker'],
      database: runtime.deps.database.kind,
    },
    'deskpilot started',
  );
} catch (err) {
  console.error(explainStartupError(err, config));
  process.exit(1);
}
