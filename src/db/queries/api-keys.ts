import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { type ApiKey, apiKeys, type Role } from '../schema/api-keys.js';

export async function insertApiKey(
  db: Db,
  values: { name: string; prefix: string; hash: string; role: Role; teamId?: string | null },
): Promise<ApiKey> {
  const [row] = await db.insert(apiKeys).values(values).returning();
  return row!;
}

export async function findActiveApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKey | null> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.prefix, prefix), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row ?? null;
}

export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(apiKeys.id, id));
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

export async function listApiKeys(db: Db) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      role: apiKeys.role,
      teamId: apiKeys.teamId,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .orderBy(apiKeys.createdAt);
}
