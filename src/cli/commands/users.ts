import { z } from 'zod';
import { randomToken } from '../../auth/secrets.js';
import { UserExistsError } from '../../auth/users.js';
import type { Db } from '../../db/client.js';
import { findUserByEmail, listUsers } from '../../db/queries/users.js';
import type { UserRole } from '../../db/schema/users.js';
import {
  changePersonRole,
  createPerson,
  disablePerson,
  enablePerson,
  type PeopleDeps,
  PeopleError,
  resetPersonPassword,
} from '../../pipeline/people.js';
import { CliUsageError } from '../errors.js';

/** The command line, as the audit log records it. */
const cli = { kind: 'cli' } as const;

/**
 * Creates a user, audited as an invite by the command line. Without --password a strong one is
 * generated and printed once (passwords given on the command line end up in shell history;
 * DESKPILOT_PASSWORD in the environment is the scriptable alternative).
 */
export async function usersCreate(
  db: Db,
  opts: { email?: string; name?: string; role?: string; team?: string; password?: string },
) {
  const generated = !opts.password;
  const password = opts.password ?? randomToken(15);
  try {
    const user = await createPerson(db, cli, {
      email: opts.email ?? '',
      name: opts.name ?? opts.email?.split('@')[0] ?? '',
      role: (opts.role ?? 'agent') as 'agent',
      teamId: opts.team ?? null,
      password,
    });
    console.log(
      JSON.stringify({
        id: user.id,
        email: user.email,
        role: user.role,
        teamId: user.teamId,
        ...(generated ? { password } : {}),
      }),
    );
  } catch (err) {
    if (err instanceof UserExistsError) throw new CliUsageError(err.message);
    if (err instanceof z.ZodError) {
      throw new CliUsageError(
        err.issues.map((i) => `--${String(i.path[0] ?? 'input')}: ${i.message}`).join('; '),
      );
    }
    throw err;
  }
}

export async function usersList(db: Db) {
  for (const u of await listUsers(db)) console.log(JSON.stringify(u));
}

/** The user an email names, or a usage error pointing at `users list`. */
async function userByEmail(db: Db, email: string) {
  const user = await findUserByEmail(db, email);
  if (!user) throw new CliUsageError(`No user with email ${email} (see users list)`);
  return user;
}

/** Guard-rail refusals (last active admin) and password rules, as usage errors (exit code 2). */
async function refusalsAsUsage<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PeopleError) throw new CliUsageError(err.message);
    if (err instanceof z.ZodError) {
      throw new CliUsageError(err.issues.map((i) => i.message).join('; '));
    }
    throw err;
  }
}

/** Disables a user and ends their sessions; the last active admin stays. */
export async function usersDisable(deps: PeopleDeps, email: string) {
  const user = await userByEmail(deps.db, email);
  const { changed } = await refusalsAsUsage(() => disablePerson(deps, cli, user.id));
  if (!changed) throw new CliUsageError(`No active user with email ${email} (see users list)`);
  console.log(JSON.stringify({ email: user.email, disabled: true }));
}

/** Lets a disabled user sign in again with their old password. */
export async function usersEnable(deps: Pick<PeopleDeps, 'db'>, email: string) {
  const user = await userByEmail(deps.db, email);
  const { changed } = await enablePerson(deps, cli, user.id);
  console.log(JSON.stringify({ email: user.email, enabled: true, changed }));
}

/**
 * A new password (given, from DESKPILOT_PASSWORD, or generated and printed once); every session of
 * the user ends.
 */
export async function usersResetPassword(
  deps: PeopleDeps,
  email: string,
  given: string | undefined,
) {
  const user = await userByEmail(deps.db, email);
  const { password } = await refusalsAsUsage(() => resetPersonPassword(deps, cli, user.id, given));
  console.log(JSON.stringify({ email: user.email, ...(given ? {} : { password }) }));
}

/** Changes a user's role; demoting the last active admin is refused. */
export async function usersSetRole(deps: PeopleDeps, email: string, role: UserRole) {
  const user = await userByEmail(deps.db, email);
  const { changed } = await refusalsAsUsage(() => changePersonRole(deps, cli, user.id, role));
  console.log(JSON.stringify({ email: user.email, role, changed }));
}
