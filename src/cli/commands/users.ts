import { z } from 'zod';
import { randomToken } from '../../auth/secrets.js';
import { createUser, UserExistsError } from '../../auth/users.js';
import type { Db } from '../../db/client.js';
import { disableUser, listUsers } from '../../db/queries/users.js';
import { CliUsageError } from '../errors.js';

/**
 * Creates a user. Without --password a strong one is generated and printed once (passwords given
 * on the command line end up in shell history; DESKPILOT_PASSWORD in the environment is the
 * scriptable alternative).
 */
export async function usersCreate(
  db: Db,
  opts: { email?: string; name?: string; role?: string; team?: string; password?: string },
) {
  const generated = !opts.password;
  const password = opts.password ?? randomToken(15);
  try {
    const user = await createUser(db, {
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

export async function usersDisable(db: Db, email: string | undefined) {
  if (!email) throw new CliUsageError('usage: users disable <email>');
  const disabled = await disableUser(db, email);
  if (!disabled) throw new CliUsageError(`No active user with email ${email} (see users list)`);
  console.log(JSON.stringify({ email, disabled }));
}
