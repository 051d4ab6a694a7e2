import { createServer } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { explainStartupError } from '../src/boot.js';
import { startRuntime } from '../src/runtime.js';
import { createTestDatabase } from './support/db.js';
import { testConfig } from './support/deps.js';

describe('start-up errors people can act on', () => {
  it('a port in use: one line naming the port and PORT, and nothing left open', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const config = testConfig({ PORT: String(port), HOST: '127.0.0.1' });
    const database = await createTestDatabase();
    try {
      const err = await startRuntime(
        config,
        { api: true, worker: false },
        { database, log: pino({ level: 'silent' }) },
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'EADDRINUSE' });
      const message = explainStartupError(err, config);
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(message).toContain(`PORT=${port + 1} npm start`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      await database.destroy().catch(() => {});
    }
  });

  it('Redis unreachable at an explicit REDIS_URL: the hint names that port', () => {
    const config = testConfig({ REDIS_URL: 'redis://127.0.0.1:6390' });
    const err = Object.assign(new Error('redis not reachable'), { code: 'REDIS_UNREACHABLE' });
    const message = explainStartupError(err, config);
    expect(message).toContain('Cannot reach Redis at redis://127.0.0.1:6390 (REDIS_URL)');
    expect(message).toContain('docker run -d -p 6390:6379');
    expect(message).not.toContain('6379:6379');
  });
});
