import 'dotenv/config';
import { type Config, ConfigError, loadConfig } from './config/index.js';
import { RedisUnavailableError } from './jobs/local-redis.js';

/** Loads configuration or exits with a message naming each bad variable. */
export function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** Turns "Redis is not running" into instructions rather than a stack trace. */
export function explainStartupError(err: unknown, config: Config): string {
  const text =
    err instanceof Error
      ? `${err.message} ${String((err as { code?: string }).code ?? '')}`
      : String(err);
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `Port ${config.PORT} on ${config.HOST} is already in use (another Deskpilot, or another program). Stop it, or choose a free port with PORT, e.g. PORT=${config.PORT + 1} npm start`;
  }
  if (code === 'EMBEDDED_STORE_BUSY' && err instanceof Error) return err.message;
  if (code === 'REDIS_UNREACHABLE' && err instanceof RedisUnavailableError) return err.message;
  if (/REDIS_UNREACHABLE|redis/i.test(text)) {
    const port = new URL(config.REDIS_URL).port || '6379';
    return [
      `Cannot reach Redis at ${config.REDIS_URL} (REDIS_URL).`,
      `Start it, e.g.: redis-server --port ${port} --appendonly yes --daemonize yes   (or: docker run -d -p ${port}:6379 redis:7 redis-server --appendonly yes)`,
      'or point REDIS_URL at yours (unset it to let npm start run a private Redis).',
    ].join('\n');
  }
  if (config.DATABASE_URL && /ECONNREFUSED|password|database/i.test(text)) {
    return `Cannot reach PostgreSQL at DATABASE_URL (${err instanceof Error ? err.message : text}). Unset DATABASE_URL to use the embedded store.`;
  }
  return err instanceof Error ? (err.stack ?? err.message) : text;
}
