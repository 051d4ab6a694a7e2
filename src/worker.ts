import { configOrExit, explainStartupError } from './boot.js';
import { waitForRedis } from './queue/redis.js';
import { installSignalHandlers, startRuntime } from './runtime.js';

const config = configOrExit();

try {
  const runtime = await startRuntime(config, { api: false, worker: true });
  await waitForRedis(runtime.deps.redis, 5_000).catch(async (err) => {
    await runtime.stop();
    throw err;
  });
  installSignalHandlers(runtime, config.SHUTDOWN_TIMEOUT_MS);
  runtime.deps.log.info({ database: runtime.deps.database.kind }, 'deskpilot worker started');
} catch (err) {
  console.error(explainStartupError(err, config));
  process.exit(1);
}
