import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startHeartbeat } from '../../src/observability/heartbeat.js';
import { waitFor } from '../support/redis-server.js';

const dir = mkdtempSync(path.join(tmpdir(), 'heartbeat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startHeartbeat', () => {
  it('writes the file at once and again every interval, until stopped', async () => {
    const file = path.join(dir, 'worker.heartbeat');
    const log = { warn: vi.fn() };
    const heartbeat = startHeartbeat(file, { intervalMs: 50, log });
    const first = await waitFor(
      async () => {
        try {
          return statSync(file).mtimeMs;
        } catch {
          return null;
        }
      },
      { what: 'first heartbeat', timeoutMs: 5_000 },
    );
    await waitFor(async () => statSync(file).mtimeMs > first || null, {
      what: 'a later heartbeat',
      timeoutMs: 5_000,
    });
    heartbeat.stop();
    await new Promise((r) => setTimeout(r, 200)); // a write in flight lands
    const stopped = statSync(file).mtimeMs;
    await new Promise((r) => setTimeout(r, 200));
    expect(statSync(file).mtimeMs).toBe(stopped);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('a file it cannot write is logged once, not every interval', async () => {
    const log = { warn: vi.fn() };
    const heartbeat = startHeartbeat(path.join(dir, 'missing', 'dir', 'x'), {
      intervalMs: 20,
      log,
    });
    await new Promise((r) => setTimeout(r, 200));
    heartbeat.stop();
    expect(log.warn).toHaveBeenCalledTimes(1);
  });
});
