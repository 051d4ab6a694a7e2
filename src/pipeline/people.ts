import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { randomToken } from '../auth/secrets.js';
import { createUser, type NewUser, newUserSchema } from '../auth/users.js';
import type { Db } from '../db/client.js';
import { insertAuditEntry } from '../db/queries/audit.js';
import {
  deleteUserSessions,
  disableUser,
  enableUser,
  findUserById,
  lockActiveAdmins,
  updateUserPassword,
  updateUserRole,
} from '../db/queries/users.js';
import type { AuditAction } from '../db/schema/audit-log.js';
import type { User, UserRole } from '../db/schema/users.js';
import { withTransaction } from '../db/tx.js';
import type { Deps } from '../deps.js';
import { type LiveEvent, publishAfterCommit } from '../live/events.js';
import { inviteTeammate } from './first-run.js';

/**
 * Managing people after first run: the admins' People page and `cli users`. Each change is one
 * transaction with its audit entry (ids and roles, never a password). Two guard rails keep the
 * installation administrable: nobody disables or demotes themselves, and the last enabled admin
 * stays an enabled admin. A change that ends someone's sessions or changes what they may see also
 * ends their open live streams in every API process, once committed (`access.changed`).
 */

/** The database, and the live events that reach every API process's open pages. */
export type PeopleDeps = Pick<Deps, 'db' | 'live'>;

/** Tells every API process, once `tx` commits, to end `userId`'s open streams. */
function accessChanged(
  deps: PeopleDeps,
  tx: Db,
  userId: string,
  change: Extract<LiveEvent, { type: 'access.changed' }>['change'],
  keepSessionId?: string,
) {
  publishAfterCommit(deps.live, tx, {
    type: 'access.changed',
    userId,
    change,
    ...(keepSessionId ? { keepSessionId } : {}),
  });
}

/** Who manages: a signed-in admin (recorded by email, as on every page) or the command line. */
export type PeopleActor = { kind: 'user'; userId: string; email: string } | { kind: 'cli' };

export type PeopleErrorCode = 'not_found' | 'self' | 'last_admin' | 'wrong_password';

export class PeopleError extends Error {
  constructor(
    readonly code: PeopleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The password rule `createUser` enforces (at least 12 characters). */
export const passwordSchema = newUserSchema.shape.password;

async function audit(
  db: Db,
  actor: PeopleActor,
  action: AuditAction,
  data: Record<string, unknown>,
) {
  await insertAuditEntry(db, {
    action,
    actorKind: actor.kind,
    actorId: actor.kind === 'user' ? actor.email : null,
    data,
  });
}

async function existing(db: Db, userId: string): Promise<User> {
  const user = await findUserById(db, userId);
  if (!user) throw new PeopleError('not_found', 'No such user (they may have been removed).');
  return user;
}

/** Refuses to take `user` out of the enabled admins when it is the actor or the last one. */
async function keepAnAdmin(db: Db, actor: PeopleActor, user: User, change: string) {
  if (actor.kind === 'user' && actor.userId === user.id) {
    throw new PeopleError(
      'self',
      `You cannot ${change} yourself: ask another admin (or use the command line).`,
    );
  }
  if (user.role !== 'admin' || user.disabledAt) return;
  const admins = await lockActiveAdmins(db);
  if (admins.length <= 1 && admins.includes(user.id)) {
    throw new PeopleError(
      'last_admin',
      `${user.email} is the last active admin: make someone else an admin first.`,
    );
  }
}

/** A teammate with a generated password (returned once), as on the welcome checklist. */
export async function invitePerson(
  deps: PeopleDeps,
  actor: PeopleActor,
  input: Parameters<typeof inviteTeammate>[1],
) {
  return withTransaction(deps.db, async (tx) => {
    const invited = await inviteTeammate(tx, input);
    await audit(tx, actor, 'user_invited', { userId: invited.user.id, role: invited.user.role });
    return invited;
  });
}

/** An account with a password chosen by the caller (`cli users create`), audited as an invite. */
export async function createPerson(db: Db, actor: PeopleActor, input: NewUser) {
  return withTransaction(db, async (tx) => {
    const user = await createUser(tx, input);
    await audit(tx, actor, 'user_invited', { userId: user.id, role: user.role });
    return user;
  });
}

/** Disables a user and ends their sessions; false when they already were disabled. */
export async function disablePerson(deps: PeopleDeps, actor: PeopleActor, userId: string) {
  return withTransaction(deps.db, async (tx) => {
    const user = await existing(tx, userId);
    await keepAnAdmin(tx, actor, user, 'disable');
    const changed = await disableUser(tx, user.email);
    if (changed) {
      await audit(tx, actor, 'user_disabled', { userId, role: user.role });
      accessChanged(deps, tx, userId, 'disabled');
    }
    return { user, changed };
  });
}

/** Lets a disabled user sign in again (with their old password); false when they were enabled. */
export async function enablePerson(
  deps: Pick<PeopleDeps, 'db'>,
  actor: PeopleActor,
  userId: string,
) {
  return withTransaction(deps.db, async (tx) => {
    const user = await existing(tx, userId);
    const changed = await enableUser(tx, userId);
    if (changed) await audit(tx, actor, 'user_enabled', { userId, role: user.role });
    return { user, changed };
  });
}

/**
 * A new password for someone who lost theirs: generated (or given, from the command line), its
 * hash stored, every session of theirs ended. The password is returned to be shown once.
 */
export async function resetPersonPassword(
  deps: PeopleDeps,
  actor: PeopleActor,
  userId: string,
  given?: string,
) {
  const password = passwordSchema.parse(given ?? randomToken(15));
  const passwordHash = await hashPassword(password);
  return withTransaction(deps.db, async (tx) => {
    const user = await existing(tx, userId);
    await updateUserPassword(tx, userId, passwordHash);
    const sessionsEnded = await deleteUserSessions(tx, userId);
    await audit(tx, actor, 'user_password_reset', { userId, role: user.role, sessionsEnded });
    accessChanged(deps, tx, userId, 'signed_out');
    return { user, password };
  });
}

/** Changes a user's role; demoting oneself or the last enabled admin is refused. */
export async function changePersonRole(
  deps: PeopleDeps,
  actor: PeopleActor,
  userId: string,
  role: UserRole,
) {
  return withTransaction(deps.db, async (tx) => {
    const user = await existing(tx, userId);
    if (user.role === role) return { user, changed: false };
    if (user.role === 'admin') await keepAnAdmin(tx, actor, user, 'demote');
    await updateUserRole(tx, userId, role);
    await audit(tx, actor, 'user_role_changed', { userId, from: user.role, to: role });
    // What their open pages may be told about depends on the role (a team agent's scope).
    accessChanged(deps, tx, userId, 'role');
    return { user: { ...user, role }, changed: true };
  });
}

/**
 * A signed-in user's own new password: the current one must match; their other sessions end (a
 * password changed because it leaked must shut out whoever used it), the current one stays.
 */
export async function changeOwnPassword(
  deps: PeopleDeps,
  self: { userId: string; email: string; sessionId: string },
  input: { current: string; next: string },
) {
  const next = passwordSchema.parse(input.next);
  const user = await existing(deps.db, self.userId);
  if (!(await verifyPassword(input.current, user.passwordHash))) {
    throw new PeopleError('wrong_password', 'The current password is wrong; nothing was changed.');
  }
  const passwordHash = await hashPassword(next);
  return withTransaction(deps.db, async (tx) => {
    await updateUserPassword(tx, self.userId, passwordHash);
    const sessionsEnded = await deleteUserSessions(tx, self.userId, self.sessionId);
    accessChanged(deps, tx, self.userId, 'signed_out', self.sessionId);
    await audit(tx, { kind: 'user', ...self }, 'user_password_changed', {
      userId: self.userId,
      sessionsEnded,
    });
    return { sessionsEnded };
  });
}
