import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authenticate, createUser, resolveSession, startSession } from '../../src/auth/users.js';
import { findUserByEmail } from '../../src/db/queries/users.js';
import { rowsOf } from '../../src/db/rows.js';
import { fileTestDeps } from '../support/fixtures.js';

/**
 * `users reset-password | enable | set-role | disable`, the real command line against this file's
 * Postgres database: the same guard rails and audit entries as the People page.
 */
const deps = await fileTestDeps();
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const password = 'a long enough password';

const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'users', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: deps.testDb.url ?? '', LOG_LEVEL: 'silent', ...env },
    timeout: 60_000,
  });
const refused = (args: string[]) => cli(args).catch((err: unknown) => err);
const lastJson = (stdout: string) =>
  JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe.skipIf(!deps.testDb.url)('cli users', () => {
  it('reset-password prints a new password once (or takes DESKPILOT_PASSWORD) and ends sessions', async () => {
    const user = await createUser(deps.db, {
      email: 'ana@example.com',
      name: 'Ana',
      role: 'agent',
      password,
    });
    const session = await startSession(deps.db, user, 3_600_000);
    const printed = lastJson((await cli(['reset-password', 'ana@example.com'])).stdout);
    expect(printed.email).toBe('ana@example.com');
    const given = printed.password as string;
    expect(given.length).toBeGreaterThanOrEqual(12);
    expect(await authenticate(deps.db, 'ana@example.com', given)).not.toBeNull();
    expect(await authenticate(deps.db, 'ana@example.com', password)).toBeNull();
    expect(await resolveSession(deps.db, session.token)).toBeNull();

    const chosen = 'chosen by the operator';
    const quiet = lastJson(
      (await cli(['reset-password', 'ana@example.com'], { DESKPILOT_PASSWORD: chosen })).stdout,
    );
    expect(quiet).toEqual({ email: 'ana@example.com' }); // nothing printed that was not generated
    expect(await authenticate(deps.db, 'ana@example.com', chosen)).not.toBeNull();
    const short = await cli(['reset-password', 'ana@example.com'], {
      DESKPILOT_PASSWORD: 'short',
    }).catch((err: unknown) => err);
    expect(short).toMatchObject({ code: 2, stderr: 'password: at least 12 characters\n' });
    expect(await refused(['reset-password', 'nobody@example.com'])).toMatchObject({
      code: 2,
      stderr: 'No user with email nobody@example.com (see users list)\n',
    });
  }, 120_000);

  it('set-role and disable keep the last active admin; enable lets a disabled user back in', async () => {
    await createUser(deps.db, { email: 'root@example.com', name: 'R', role: 'admin', password });
    expect(await refused(['set-role', 'root@example.com', '--role', 'agent'])).toMatchObject({
      code: 2,
      stderr: 'root@example.com is the last active admin: make someone else an admin first.\n',
    });
    expect(await refused(['disable', 'root@example.com'])).toMatchObject({ code: 2 });
    expect(await refused(['set-role', 'root@example.com', '--role', 'boss'])).toMatchObject({
      code: 2,
      stderr: 'users set-role: --role must be one of agent, manager, admin\n',
    });

    const promoted = lastJson(
      (await cli(['set-role', 'ana@example.com', '--role', 'admin'])).stdout,
    );
    expect(promoted).toEqual({ email: 'ana@example.com', role: 'admin', changed: true });
    expect(lastJson((await cli(['disable', 'root@example.com'])).stdout)).toEqual({
      email: 'root@example.com',
      disabled: true,
    });
    expect(await refused(['disable', 'ana@example.com'])).toMatchObject({ code: 2 });
    expect(lastJson((await cli(['enable', 'root@example.com'])).stdout)).toMatchObject({
      enabled: true,
      changed: true,
    });
    expect((await findUserByEmail(deps.db, 'root@example.com'))?.disabledAt).toBeNull();

    const audit = rowsOf<{ action: string; actor_kind: string; data: Record<string, unknown> }>(
      await deps.db.execute(
        sql`select action, actor_kind, data from audit_log where action like 'user_%' order by id`,
      ),
    );
    expect(audit.map((r) => [r.action, r.actor_kind])).toEqual([
      ['user_password_reset', 'cli'],
      ['user_password_reset', 'cli'],
      ['user_role_changed', 'cli'],
      ['user_disabled', 'cli'],
      ['user_enabled', 'cli'],
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/chosen by the operator|password_hash|\$argon2/);
  }, 120_000);
});
