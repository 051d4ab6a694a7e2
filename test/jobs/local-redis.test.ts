import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLocalRedis, RedisUnavailableError } from '../../src/jobs/local-redis.js';
import { TEST_REDIS_URL } from '../support/deps.js';
import { freePort } from '../support/redis-server.js';

const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-local-redis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a Redis for npm start and npm test', () => {
  it('an explicit REDIS_URL is used as given, even when nothing answers there', async () => {
    const env = { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' };
    expect(await ensureLocalRedis({ env, dataDir: dir })).toBeNull();
  });

  it('a Redis answering at the default address is used', async () => {
    const env = { ...process.env, REDIS_URL: '' };
    expect(await ensureLocalRedis({ env, dataDir: dir, defaultUrl: TEST_REDIS_URL })).toBeNull();
  });

  it('with nothing at the default address, a private redis-server: loopback, AOF, noeviction, data in the data dir, stopped with its owner', async () => {
    const env = { ...process.env, REDIS_URL: '' };
    const defaultUrl = `redis://127.0.0.1:${await freePort()}`;
    const local = await ensureLocalRedis({ env, dataDir: dir, defaultUrl });
    expect(local).not.toBeNull();
    const client = new Redis(local!.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.ping()).toBe('PONG');
      const config = (await client.config('GET', '*')) as string[];
      const get = (name: string) => config[config.indexOf(name) + 1];
      expect(get('appendonly')).toBe('yes');
      expect(get('maxmemory-policy')).toBe('noeviction');
      expect(get('bind')).toBe('127.0.0.1');
      expect(get('dir')).toBe(path.join(dir, 'redis'));
    } finally {
      client.disconnect();
    }
    const pid = local!.pid;
    await local!.stop();
    expect(alive(pid)).toBe(false);
  }, 30_000);

  it('without redis-server on the PATH, one message with the install commands and the right port', async () => {
    const port = await freePort();
    const env = { ...process.env, REDIS_URL: '', PATH: path.join(dir, 'empty-bin') };
    const err = await ensureLocalRedis({
      env,
      dataDir: dir,
      defaultUrl: `redis://127.0.0.1:${port}`,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    const message = (err as Error).message;
    expect(message).toContain('sudo apt-get install -y redis-server');
    expect(message).toContain('brew install redis');
    expect(message).toContain(`docker run -d --name deskpilot-redis -p ${port}:6379 redis:7`);
  });
});
