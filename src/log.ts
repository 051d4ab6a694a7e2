import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured logs. Customer text never goes into a log line by construction (we log ids), and the
 * redaction list is a second net for secrets that might ride along on objects we do log.
 */
export function createLogger(
  level: string,
  name = 'deskpilot',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    serializers: { err: safeError },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        '*.password',
        '*.apiKey',
        '*.secret',
        '*.token',
        'config.ZENDESK_WEBHOOK_SECRETS',
        'config.ZENDESK_API_TOKEN',
        'config.MAILGUN_SIGNING_KEYS',
        'config.INBOUND_BASIC_AUTH',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

// Database errors carry data: drizzle's message ends with the query's parameters ("params: …",
// i.e. ticket text), and Postgres quotes offending values in its messages, details and WHERE
// context. They are logged with their codes and schema names, never with values.
const DATA_FIELDS = ['params', 'parameters', 'detail', 'where', 'internal_query', 'values'];
const SQLSTATE = /^[0-9A-Z]{5}$/;

function scrub(text: string, isDatabaseError: boolean): string {
  let out = text;
  const params = out.indexOf('\nparams: ');
  if (params >= 0) {
    const rest = out.indexOf('\n    at ', params);
    out = `${out.slice(0, params)}\nparams: [redacted]${rest >= 0 ? out.slice(rest) : ''}`;
  }
  // Postgres quotes values as "…" in messages (invalid input syntax for type integer: "…").
  return isDatabaseError ? out.replace(/"[^"\n]*"/g, '"…"') : out;
}

/** A Postgres error (SQLSTATE code) or one wrapping it (drizzle's DrizzleQueryError). */
function fromDatabase(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 5) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && SQLSTATE.test(code)) return true;
  return err.message.startsWith('Failed query:') || fromDatabase(err.cause, depth + 1);
}

/** pino serializer for `err`: the standard one, minus anything that can hold customer data. */
export function safeError(err: unknown): unknown {
  if (typeof err === 'string') return scrub(err, false);
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const isDatabaseError = fromDatabase(err);
  for (const field of DATA_FIELDS) delete out[field];
  if (typeof out.message === 'string') out.message = scrub(out.message, isDatabaseError);
  if (typeof out.stack === 'string') out.stack = scrub(out.stack, isDatabaseError);
  if (err.cause !== undefined) out.cause = safeError(err.cause);
  return out;
}
