import { z } from 'zod';
import type { Db } from '../db/client.js';
import {
  deleteExpiredSessions,
  deleteSessionByTokenHash,
  findLiveSession,
  findUserByEmail,
  insertSession,
  insertUser,
  recordLogin,
  touchSession,
  updateUserPassword,
} from '../db/queries/users.js';
import type { User, UserRole } from '../db/schema/users.js';
import { userRoles } from '../db/schema/users.js';
import type { Principal } from './api-keys.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { randomToken, sha256Hex } from './secrets.js';

export const newUserSchema = z.object({
  email: z.email().max(320),
  name: z.string().trim().min(1).max(200),
  // NIST SP 800-63B: length over composition rules; 12 is a sane floor for staff accounts.
  password: z.string().min(12, 'password: at least 12 characters').max(1024),
  role: z.enum(userRoles),
  teamId: z.string().trim().min(1).max(100).nullable().default(null),
});
export type NewUser = z.input<typeof newUserSchema>;

export class UserExistsError extends Error {
  constructor(email: string) {
    super(`A user with email ${email} already exists`);
  }
}

export async function createUser(db: Db, input: NewUser): Promise<User> {
  const v = newUserSchema.parse(input);
  const user = await insertUser(db, {
    email: v.email,
    name: v.name,
    role: v.role,
    teamId: v.teamId,
    passwordHash: await hashPassword(v.password),
  });
  if (!user) throw new UserExistsError(v.email);
  return user;
}

// Verified against when the email is unknown, so a wrong email costs the same time as a wrong
// password and response timing does not reveal which accounts exist.
let dummyHash: Promise<string> | null = null;

/** The user for these credentials, or null (unknown email, wrong password or disabled). */
export async function authenticate(db: Db, email: string, password: string): Promise<User | null> {
  const user = await findUserByEmail(db, email);
  dummyHash ??= hashPassword(randomToken(16));
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  if (!user || !ok || user.disabledAt) return null;
  if (needsRehash(user.passwordHash)) {
    // The password is at hand only now: upgrade an old (scrypt N = 2^15) hash in place.
    const passwordHash = await hashPassword(password);
    await updateUserPassword(db, user.id, passwordHash);
    return { ...user, passwordHash };
  }
  return user;
}

export interface SessionPrincipal extends Principal {
  kind: 'user';
  email: string;
  name: string;
  csrfToken: string;
  sessionId: string;
}

/** Starts a session: the returned token goes into the cookie and is never stored in clear. */
export async function startSession(
  db: Db,
  user: User,
  ttlMs: number,
  now = new Date(),
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(now.getTime() + ttlMs);
  await insertSession(db, { tokenHash: sha256Hex(token), userId: user.id, csrfToken, expiresAt });
  await recordLogin(db, user.id);
  // Expired sessions are swept at sign-in: logins are rare and the expiry index makes it cheap.
  await deleteExpiredSessions(db, now);
  return { token, csrfToken, expiresAt };
}

const TOUCH_EVERY_MS = 60_000;

export async function resolveSession(
  db: Db,
  token: string,
  now = new Date(),
): Promise<SessionPrincipal | null> {
  if (token.length < 20 || token.length > 100) return null;
  const found = await findLiveSession(db, sha256Hex(token), now);
  if (!found) return null;
  const { session, user } = found;
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    void touchSession(db, session.id).catch(() => {});
  }
  return {
    kind: 'user',
    id: user.id,
    role: user.role as UserRole,
    teamId: user.teamId,
    email: user.email,
    name: user.name,
    csrfToken: session.csrfToken,
    sessionId: session.id,
  };
}

export async function endSession(db: Db, token: string): Promise<void> {
  await deleteSessionByTokenHash(db, sha256Hex(token));
}
