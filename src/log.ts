import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured logs. Customer text never goes into a log line by construction (we log ids), and the
 * redaction list is a second net for secrets that might ride along on objects we do log.
 */
export function createLogger(level: string, name = 'deskpilot'): Logger {
  return pino({
    name,
    level,
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
  });
}
