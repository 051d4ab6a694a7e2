import 'dotenv/config';
import { type Config, ConfigError, loadConfig } from './config/index.js';

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
  if (/REDIS_UNREACHABLE|redis/i.test(text)) {
    return [
      `Cannot reach Redis at ${config.REDIS_URL}.`,
      'Start one, e.g.: redis-server --daemonize yes   (or: docker run -d -p 6379:6379 redis:7)',
      'or point REDIS_URL at yours.',
    ].join('\n');
  }
  if (config.DATABASE_URL && /ECONNREFUSED|password|database/i.test(text)) {
    return `Cannot reach PostgreSQL at DATABASE_URL (${err instanceof Error ? err.message : text}). Unset DATABASE_URL to use the embedded store.`;
  }
  return err instanceof Error ? (err.stack ?? err.message) : text;
}
