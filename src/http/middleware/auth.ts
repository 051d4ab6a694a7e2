import type { MiddlewareHandler } from 'hono';
import { roleAllows } from '../../auth/api-keys.js';
import type { Role } from '../../db/schema/api-keys.js';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m?.[1] ?? null;
}

/** API-key authentication (Authorization: Bearer dp_… or X-Api-Key) with a minimum role. */
export function requireApiKey(deps: Pick<Deps, 'apiKeys'>, role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = bearer(c.req.header('authorization')) ?? c.req.header('x-api-key') ?? null;
    if (!key) {
      throw new AppError('unauthorized', 'Missing API key: send Authorization: Bearer <key>');
    }
    const principal = await deps.apiKeys.verify(key);
    if (!principal) throw new AppError('unauthorized', 'Invalid or revoked API key');
    if (!roleAllows(principal.role, role)) {
      throw new AppError('forbidden', `This operation needs the ${role} role`);
    }
    c.set('principal', principal);
    await next();
  };
}
