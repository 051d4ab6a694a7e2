import path from 'node:path';
import { configOrExit, explainStartupError } from './boot.js';
import { ensureLocalRedis } from './jobs/local-redis.js';
import { assertRedisReachable } from './jobs/redis.js';
import { setupToken } from './pipeline/first-run.js';
import { installCrashHandlers, installSignalHandlers, startRuntime } from './runtime.js';

const startedAt = performance.now();
const config = configOrExit();
const apiOnly = process.argv.includes('--role') && process.argv.includes('api');

try {
  // One process with both roles is the embedded default: it may bring its own Redis (only when
  // REDIS_URL is unset and nothing answers at the default address) and owns the PGlite store. An
  // api-only process is a production role: it uses the configured Redis and, on PGlite, joins the
  // store's server when one runs.
  if (!apiOnly) {
    const localRedis = await ensureLocalRedis({
      env: process.env,
      dataDir: path.dirname(path.resolve(config.PGLITE_DATA_DIR)),
      log: (message) => console.error(message),
    });
    if (localRedis) config.REDIS_URL = localRedis.url;
  }
  await assertRedisReachable(config.REDIS_URL);
  const runtime = await startRuntime(
    config,
    { api: true, worker: !apiOnly },
    { embedded: apiOnly ? 'share' : 'serve' },
  );
  installSignalHandlers(runtime, config.SHUTDOWN_TIMEOUT_MS);
  installCrashHandlers(runtime.deps.log);
  runtime.deps.log.info(
    {
      url: `http://localhost:${runtime.port}`,
      roles: apiOnly ? ['api'] : ['api', 'worker'],
      database: runtime.deps.database.kind,
      readyMs: Math.round(performance.now() - startedAt),
    },
    'deskpilot started',
  );
  // First run: the one-time setup link (Jupyter-style token), printed for the person at the console.
  const token = await setupToken(runtime.deps).catch(() => null);
  const base = /^https?:\/\/localhost[:/]/.test(config.PUBLIC_URL)
    ? `http://localhost:${runtime.port}`
    : config.PUBLIC_URL.replace(/\/$/, '');
  console.error(
    token
      ? `\nDeskpilot is ready. First run: create the admin at\n\n    ${base}/app/setup?token=${token}\n`
      : `\nDeskpilot is ready at ${base}/app\n`,
  );
} catch (err) {
  console.error(explainStartupError(err, config));
  process.exit(1);
}
