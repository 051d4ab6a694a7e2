import { configOrExit, explainStartupError } from './boot.js';
import { waitForRedis } from './queue/redis.js';
import { installSignalHandlers, startRuntime } from './runtime.js';

const config = configOrExit();
const apiOnly = process.argv.includes('--role') && process.argv.includes('api');

try {
  const runtime = await startRuntime(config, { api: true, worker: !apiOnly });
  await waitForRedis(runtime.deps.redis, 5_000).catch(async (err) => {
    await runtime.stop();
    throw err;
  });
  installSignalHandlers(runtime, config.SHUTDOWN_TIMEOUT_MS);
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
