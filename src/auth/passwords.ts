import { hash, verify } from '@node-rs/argon2';
import { verifySecret } from './secrets.js';

/**
 * User passwords: Argon2id with OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1),
 * through @node-rs/argon2 (a Rust binding shipped as prebuilt npm packages, no compiler needed).
 * Older hashes (scrypt with N = 2^15, below OWASP's 2^17 floor) still verify, and are replaced at
 * the next successful sign-in (`needsRehash`).
 *
 * API keys stay on scrypt (secrets.ts): they are 24 random bytes, so no KDF setting makes
 * guessing them feasible, and they are verified far more often than passwords.
 */
const ARGON2_OPTIONS = {
  // Algorithm.Argon2id (a const enum, which isolated modules cannot read).
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) return verify(stored, password).catch(() => false);
  return verifySecret(password, stored);
}

/** True for any hash not made with the current Argon2id setting. */
export function needsRehash(stored: string): boolean {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  return !m || Number(m[1]) < ARGON2_OPTIONS.memoryCost || Number(m[2]) < ARGON2_OPTIONS.timeCost;
}
