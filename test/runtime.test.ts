import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, ZENDESK_SECRET } from './support/deps.js';
import { freePort } from './support/redis-server.js';
import { signedZendeskRequest, zendeskTicketCreated } from './support/zendesk.js';

/** The real entry point as a child process: boots on embedded defaults, serves, drains on SIGTERM. */
describe('npm start process', () => {
  it('boots on PGlite, accepts a webhook, and shuts down gracefully on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: {
        ...process.env,
        DATABASE_URL: '',
        PGLITE_DATA_DIR: path.join(dir, 'pglite'),
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: `dpt-proc-${port}`,
        ZENDESK_WEBHOOK_SECRETS: ZENDESK_SECRET,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      // Generous: PGlite's first boot (WASM compile, migrations) is slow on a loaded 2-core machine.
      for (let i = 0; i < 900 && !output.includes('deskpilot started'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain('deskpilot started');
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      const res = await fetch(
        `http://127.0.0.1:${port}/webhooks/zendesk`,
        signedZendeskRequest(zendeskTicketCreated('42')),
      );
      expect(res.status).toBe(202);
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('timeout'), 20_000)),
      ]);
      expect(code).toBe(0);
      expect(output).toContain('shutting down');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
