import type { Deps } from '../../../deps.js';
import type { Router } from '../../openapi.js';

/** GET /readyz: the process can do work: the database and Redis answer within 2 s. */
export function registerReadyz(app: Router, deps: Pick<Deps, 'database' | 'redis'>) {
  app.get('/readyz', async (c) => {
    const timeout = <T>(p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000)),
      ]);
    const [db, redis] = await Promise.allSettled([
      timeout(deps.database.ping()),
      timeout(deps.redis.ping()),
    ]);
    const checks = {
      database: db.status === 'fulfilled' ? 'ok' : 'unavailable',
      redis: redis.status === 'fulfilled' ? 'ok' : 'unavailable',
    };
    const ready = checks.database === 'ok' && checks.redis === 'ok';
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
}
