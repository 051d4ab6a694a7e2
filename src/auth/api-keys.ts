import type { Db } from '../db/client.js';
import { findActiveApiKeyByPrefix, insertApiKey, touchApiKey } from '../db/queries/api-keys.js';
import type { ApiKey, Role } from '../db/schema/api-keys.js';
import { hashSecret, randomToken, sha256Hex, verifySecret } from './secrets.js';

/** Roles are ordered: each includes the permissions of the ones before it. */
export const roleRank: Record<Role, number> = { integration: 0, agent: 1, manager: 2, admin: 3 };

export function roleAllows(actual: Role, required: Role): boolean {
  // Integration keys are for machines posting tickets; they are not a lesser agent.
  if (required === 'integration') return true;
  if (actual === 'integration') return false;
  return roleRank[actual] >= roleRank[required];
}

/** Who is calling: an API key (machines, scripts) or a signed-in user (the inbox). */
export interface Principal {
  kind: 'api_key' | 'user';
  id: string;
  role: Role;
  teamId: string | null;
}

/** Creates a key; the plain key is returned once and never stored. */
export async function createApiKey(
  db: Db,
  input: { name: string; role: Role; teamId?: string | null },
): Promise<{ key: string; record: ApiKey }> {
  const prefix = randomToken(6).replace(/[-_]/g, 'x').slice(0, 8);
  const secret = randomToken(24);
  const key = `dp_${prefix}_${secret}`;
  const record = await insertApiKey(db, {
    name: input.name,
    prefix,
    hash: await hashSecret(key),
    role: input.role,
    teamId: input.teamId ?? null,
  });
  return { key, record };
}

const KEY_RE = /^dp_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{20,64})$/;

export interface ApiKeyVerifier {
  verify(key: string): Promise<Principal | null>;
  /** Forget cached results (after a revoke). */
  clear(): void;
}

/**
 * Verifies keys against their scrypt hash. Successful verifications are cached for a short TTL,
 * keyed by a SHA-256 of the key, so a busy integration does not pay the KDF on every request; a
 * revoked key stops working within the TTL.
 */
export function createApiKeyVerifier(db: Db, ttlMs = 60_000, maxEntries = 10_000): ApiKeyVerifier {
  const cache = new Map<string, { principal: Principal; expires: number }>();
  return {
    async verify(key) {
      const m = KEY_RE.exec(key);
      if (!m) return null;
      const digest = sha256Hex(key);
      const hit = cache.get(digest);
      if (hit && hit.expires > Date.now()) return hit.principal;
      const record = await findActiveApiKeyByPrefix(db, m[1]!);
      if (!record || !(await verifySecret(key, record.hash))) return null;
      const principal: Principal = {
        kind: 'api_key',
        id: record.id,
        role: record.role,
        teamId: record.teamId,
      };
      if (cache.size >= maxEntries) cache.clear();
      cache.set(digest, { principal, expires: Date.now() + ttlMs });
      void touchApiKey(db, record.id).catch(() => {});
      return principal;
    },
    clear: () => cache.clear(),
  };
}
