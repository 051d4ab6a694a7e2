import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Tests by kind, each project runnable alone (`npm test -- --project unit`); `npm test` runs all.
 * - browser: Chromium through playwright-core (`*.browser.test.ts`)
 * - faults: process kills, outages, failing models and jobs (`test/faults/`); the ones that need real
 *   Postgres gate on faultTestsCanRun() (skipped locally without it, failing in CI), the others
 *   run on either database
 * - integration: anything using the shared fixtures of real services (Postgres or PGlite, Redis,
 *   a disposable Redis Cluster or Postgres replica, SMTP sink, fake Zendesk) from test/support, or
 *   child processes (the CLI)
 * - unit: the rest (pure functions; no services)
 * A file's kind is read from the file itself, so a new test lands in the right project.
 */
const root = import.meta.dirname;
const testFiles = readdirSync(path.join(root, 'test'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
  .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
const usesServices =
  /support\/(deps|fixtures|db|redis-server|redis-cluster|pg-replica|smtp-server|fake-zendesk|browser|sign-in|drafts|tickets|rows|fresh-copy|process-group)\.js|src\/(deps|build-deps|app|runtime|boot)\.js|createDatabase|TEST_DATABASE_URL|TEST_REDIS_URL|node:child_process/;

const kind = (file: string) => {
  if (file.endsWith('.browser.test.ts')) return 'browser';
  if (file.startsWith('test/faults/')) return 'faults';
  return usesServices.test(readFileSync(path.join(root, file), 'utf8')) ? 'integration' : 'unit';
};
const filesOf = (name: string) => testFiles.filter((f) => kind(f) === name);

export default defineConfig({
  test: {
    // Integration tests share one Postgres server and one Redis; each file gets its own database
    // and queue prefix (test/support), so files may run in parallel, but the machine has 2 cores.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: ['unit', 'integration', 'browser', 'faults'].map((name) => ({
      extends: true,
      test: {
        name,
        include: filesOf(name),
        // Unit tests need no services: no Redis, no template database.
        globalSetup: name === 'unit' ? [] : ['test/support/global-setup.ts'],
      },
    })),
  },
});
