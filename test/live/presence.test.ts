import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveEvent, LiveEvents } from '../../src/live/events.js';
import { listPresence, markPresence, PRESENCE_STALE_MS } from '../../src/live/presence.js';
import { TEST_REDIS_URL } from '../support/deps.js';

const redis = new Redis(TEST_REDIS_URL);
afterAll(() => redis.quit());

// Presence on real Redis; the events it publishes are recorded (pub/sub itself is tested with
// the event stream).
function presenceDeps() {
  const published: LiveEvent[] = [];
  const live: LiveEvents = {
    publish: async (event) => void published.push(event),
    subscribe: () => () => {},
    close: async () => {},
  };
  return { redis, config: { QUEUE_PREFIX: `presence-${randomUUID()}` }, live, published };
}

const ana = { userId: 'u-ana', name: 'Ana Lima' };
const ben = { userId: 'u-ben', name: 'Ben Okafor' };

describe('who has a ticket open', () => {
  it('lists viewers oldest first and tells open pages', async () => {
    const deps = presenceDeps();
    const ticket = randomUUID();
    await markPresence(deps, ticket, { ...ana, pageId: 'page-ana-1' }, 'viewing');
    const viewers = await markPresence(deps, ticket, { ...ben, pageId: 'page-ben-1' }, 'editing');
    expect(viewers).toEqual([
      { userId: 'u-ana', name: 'Ana Lima', editing: false },
      { userId: 'u-ben', name: 'Ben Okafor', editing: true },
    ]);
    expect(deps.published.at(-1)).toEqual({ type: 'presence.changed', ticketId: ticket, viewers });
  });

  it("a page's late 'viewing', sent before its 'left' but arriving after, does not bring it back", async () => {
    const deps = presenceDeps();
    const ticket = randomUUID();
    await markPresence(deps, ticket, { ...ana, pageId: 'page-ana-1' }, 'viewing');
    await markPresence(deps, ticket, { ...ben, pageId: 'page-ben-1' }, 'viewing');
    // The closing page's beacon overtakes its periodic refresh.
    await markPresence(deps, ticket, { ...ana, pageId: 'page-ana-1' }, 'left');
    const after = await markPresence(deps, ticket, { ...ana, pageId: 'page-ana-1' }, 'viewing');
    expect(after.map((v) => v.name)).toEqual(['Ben Okafor']);
    // Her next page (a reload, another tab later) is a new page and counts.
    const back = await markPresence(deps, ticket, { ...ana, pageId: 'page-ana-2' }, 'viewing');
    expect(back.map((v) => v.name)).toEqual(['Ben Okafor', 'Ana Lima']);
  });

  it('one line per agent with two tabs open, editing if either is, until both have left', async () => {
    const deps = presenceDeps();
    const ticket = randomUUID();
    await markPresence(deps, ticket, { ...ana, pageId: 'tab-one-xx' }, 'viewing');
    const both = await markPresence(deps, ticket, { ...ana, pageId: 'tab-two-xx' }, 'editing');
    expect(both).toEqual([{ userId: 'u-ana', name: 'Ana Lima', editing: true }]);
    const one = await markPresence(deps, ticket, { ...ana, pageId: 'tab-two-xx' }, 'left');
    expect(one).toEqual([{ userId: 'u-ana', name: 'Ana Lima', editing: false }]);
    expect(await markPresence(deps, ticket, { ...ana, pageId: 'tab-one-xx' }, 'left')).toEqual([]);
  });

  it('a page without an id (served before ids existed) leaves without a tombstone', async () => {
    const deps = presenceDeps();
    const ticket = randomUUID();
    await markPresence(deps, ticket, ana, 'viewing');
    expect(await markPresence(deps, ticket, ana, 'left')).toEqual([]);
    expect((await markPresence(deps, ticket, ana, 'viewing')).map((v) => v.name)).toEqual([
      'Ana Lima',
    ]);
  });

  it('drops entries not refreshed for the stale window, and the key expires', async () => {
    const deps = presenceDeps();
    const ticket = randomUUID();
    await markPresence(deps, ticket, { ...ana, pageId: 'page-ana-1' }, 'viewing');
    const key = `${deps.config.QUEUE_PREFIX}:presence:${ticket}`;
    // A laptop closed 41 s ago: its entry is older than the window.
    const old = JSON.stringify({
      userId: 'u-ben',
      name: 'Ben',
      editing: false,
      at: Date.now() - PRESENCE_STALE_MS - 1_000,
    });
    await redis.hset(key, 'u-ben page-ben-1', old);
    expect((await listPresence(deps, ticket)).map((v) => v.name)).toEqual(['Ana Lima']);
    expect(await redis.hexists(key, 'u-ben page-ben-1')).toBe(0);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(PRESENCE_STALE_MS * 2);
  });
});
