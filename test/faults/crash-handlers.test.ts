import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const run = (kind: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'test/faults/support/crash-child.ts', kind], {
    cwd: root,
    encoding: 'utf8',
    // Each child starts tsx from cold: at a load average of 25 that alone passed 30 s in CI.
    timeout: 150_000,
  });

/**
 * The handlers src/main.ts and src/worker.ts install (see installCrashHandlers).
 *
 * Not gated on faultTestsCanRun() like the other fault tests: no database is involved (each
 * child installs the handlers and raises the error itself, postgres.js's errors included, as
 * objects), so this runs — and can fail — everywhere, with or without Postgres.
 */
describe('crashes in a service process', { timeout: 320_000 }, () => {
  it('a connection error nobody awaited is logged and the process keeps running', () => {
    const child = run('connection');
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('connection error nobody awaited');
    expect(child.stdout).toContain('still running');
  });

  it('postgres.js writing to a closed socket from a timer is logged and survived', () => {
    const child = run('closed-write');
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('postgres.js wrote to a closed connection');
    expect(child.stdout).toContain('still running');
  });

  it('any other unhandled rejection or exception still ends the process, logged as fatal', () => {
    const rejected = run('bug-rejection');
    expect(rejected.status).toBe(1);
    expect(rejected.stdout).toContain('unhandled promise rejection; exiting');
    expect(rejected.stdout).not.toContain('still running');
    const thrown = run('bug-throw');
    expect(thrown.status).toBe(1);
    expect(thrown.stdout).toContain('uncaught exception; exiting');
    expect(thrown.stdout).not.toContain('still running');
  });
});
