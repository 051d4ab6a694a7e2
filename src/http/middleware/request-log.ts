import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from '../context.js';

/** One line per request: method, route, status, duration, request id. Never bodies or headers. */
export function requestLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const entry = {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.routePath || c.req.path,
      status: c.res.status,
      ms,
    };
    if (c.res.status >= 500) log.warn(entry, 'request');
    else log.debug(entry, 'request');
  };
}
