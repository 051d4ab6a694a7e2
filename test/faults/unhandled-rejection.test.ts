import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const run = (kind: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'test/faults/support/rejection-child.ts', kind], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });

/** The handlers src/main.ts and src/worker.ts install (see installCrashHandlers). */
describe('unhandled promise rejections in a service process', () => {
  it('a connection error nobody awaited is logged and the process keeps running', () => {
    const child = run('connection');
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('connection error nobody awaited');
    expect(child.stdout).toContain('still running');
  });

  it('anything else still ends the process, logged as fatal', () => {
    const child = run('bug');
    expect(child.status).toBe(1);
    expect(child.stdout).toContain('unhandled promise rejection; exiting');
    expect(child.stdout).not.toContain('still running');
  });
});
