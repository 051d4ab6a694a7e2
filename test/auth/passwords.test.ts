import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/auth/secrets.js';
import { authenticate, createUser } from '../../src/auth/users.js';
import { findUserByEmail, updateUserPassword } from '../../src/db/queries/users.js';
import { fileTestDeps } from '../support/fixtures.js';

/** Issue 16 "Passwords": Argon2id for new hashes; old scrypt N = 2^15 hashes upgraded at sign-in. */
const deps = await fileTestDeps();
const password = 'a long enough password';

describe('password hashes', () => {
  it('new users get Argon2id with the OWASP setting (m=19 MiB, t=2, p=1)', async () => {
    const user = await createUser(deps.db, {
      email: 'new@example.com',
      name: 'N',
      role: 'agent',
      password,
    });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await authenticate(deps.db, 'new@example.com', password)).not.toBeNull();
    expect(await authenticate(deps.db, 'new@example.com', 'wrong password!!')).toBeNull();
  });

  it('an old scrypt (N = 2^15) hash still signs in once and is replaced by Argon2id', async () => {
    const user = await createUser(deps.db, {
      email: 'old@example.com',
      name: 'O',
      role: 'agent',
      password,
    });
    const legacy = await hashSecret(password);
    expect(legacy).toMatch(/^scrypt\$32768\$/);
    await updateUserPassword(deps.db, user.id, legacy);

    // A wrong password changes nothing.
    expect(await authenticate(deps.db, 'old@example.com', 'wrong password!!')).toBeNull();
    expect((await findUserByEmail(deps.db, 'old@example.com'))?.passwordHash).toBe(legacy);

    expect(await authenticate(deps.db, 'old@example.com', password)).not.toBeNull();
    const upgraded = (await findUserByEmail(deps.db, 'old@example.com'))?.passwordHash;
    expect(upgraded).toMatch(/^\$argon2id\$/);
    expect(await authenticate(deps.db, 'old@example.com', password)).not.toBeNull();
  });
});
