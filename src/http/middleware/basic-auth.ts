import type { MiddlewareHandler } from 'hono';
import { safeEqual } from '../../auth/secrets.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';

/**
 * Basic auth for providers that can only put credentials in the webhook URL (SendGrid, Postmark).
 * With no credentials configured every request is refused: secure by default.
 */
export function requireBasicAuth(getPairs: () => string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : null;
    const pairs = getPairs();
    if (!given) {
      c.header('WWW-Authenticate', 'Basic realm="deskpilot-inbound"');
      throw new AppError(
        'unauthorized',
        'Basic credentials required (configure INBOUND_BASIC_AUTH)',
      );
    }
    // Compare against every pair so timing does not reveal which one is close.
    let ok = false;
    for (const pair of pairs) ok = safeEqual(pair, given) || ok;
    if (!ok) throw new AppError('unauthorized', 'Invalid credentials');
    await next();
  };
}
