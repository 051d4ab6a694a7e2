import { and, eq, gt, isNotNull, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { type Session, sessions, type User, type UserRole, users } from '../schema/users.js';

export async function insertUser(
  db: Db,
  values: {
    email: string;
    name: string;
    passwordHash: string;
    role: UserRole;
    teamId?: string | null;
  },
): Promise<User | null> {
  const rows = await db
    .insert(users)
    .values({ ...values, email: values.email.toLowerCase() })
    .onConflictDoNothing({ target: users.email })
    .returning();
  return rows[0] ?? null;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  return row ?? null;
}

export async function findUserById(db: Db, id: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}

export async function listUsers(db: Db) {
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      teamId: users.teamId,
      createdAt: users.createdAt,
      lastLoginAt: users.lastLoginAt,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .orderBy(users.email);
}

export async function updateUserPassword(db: Db, id: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, id));
}

/** Disabling a user also ends every session they have. */
export async function disableUser(db: Db, email: string): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ disabledAt: sql`now()` })
    .where(and(eq(users.email, email.toLowerCase()), isNull(users.disabledAt)))
    .returning({ id: users.id });
  if (rows[0]) await db.delete(sessions).where(eq(sessions.userId, rows[0].id));
  return rows.length > 0;
}

/** Re-enables a disabled user; false when they were not disabled. */
export async function enableUser(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ disabledAt: null })
    .where(and(eq(users.id, id), isNotNull(users.disabledAt)))
    .returning({ id: users.id });
  return rows.length > 0;
}

export async function updateUserRole(db: Db, id: string, role: UserRole): Promise<void> {
  await db.update(users).set({ role }).where(eq(users.id, id));
}

/**
 * The ids of the enabled admins, their rows locked until the transaction ends: two admins demoting
 * each other at once cannot both see the other still there.
 */
export async function lockActiveAdmins(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
    .orderBy(users.id)
    .for('update');
  return rows.map((r) => r.id);
}

/** Ends the user's sessions, all of them or all but `keepSessionId` (the one changing it). */
export async function deleteUserSessions(
  db: Db,
  userId: string,
  keepSessionId?: string,
): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(
      and(eq(sessions.userId, userId), keepSessionId ? ne(sessions.id, keepSessionId) : undefined),
    )
    .returning({ id: sessions.id });
  return rows.length;
}

export async function recordLogin(db: Db, userId: string): Promise<void> {
  await db.update(users).set({ lastLoginAt: sql`now()` }).where(eq(users.id, userId));
}

export async function insertSession(
  db: Db,
  values: { tokenHash: string; userId: string; csrfToken: string; expiresAt: Date },
): Promise<Session> {
  const [row] = await db.insert(sessions).values(values).returning();
  return row!;
}

/** The live session for a token hash, with its (enabled) user; null when expired or unknown. */
export async function findLiveSession(
  db: Db,
  tokenHash: string,
  now: Date,
): Promise<{ session: Session; user: User } | null> {
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now), isNull(users.disabledAt)),
    )
    .limit(1);
  return row ?? null;
}

export async function touchSession(db: Db, id: string): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: sql`now()` }).where(eq(sessions.id, id));
}

export async function deleteSessionByTokenHash(db: Db, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

export async function deleteExpiredSessions(db: Db, now: Date): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(lt(sessions.expiresAt, now))
    .returning({ id: sessions.id });
  return rows.length;
}
