import type { Config } from '../config/index.js';
import type { RedisConnection } from '../jobs/redis.js';
import type { LiveEvents } from './events.js';

/** An agent with a ticket open; `editing` while the draft's text box has their focus or edits. */
export interface Viewer {
  userId: string;
  name: string;
  editing: boolean;
}

export type PresenceState = 'viewing' | 'editing' | 'left';

/**
 * Pages say they are still open every 15 s; an entry not refreshed for this long is gone (a
 * closed laptop sends no "left").
 */
export const PRESENCE_STALE_MS = 40_000;

/** What presence needs, named here so this module stays below the dependency container. */
interface PresenceDeps {
  redis: RedisConnection;
  config: Pick<Config, 'QUEUE_PREFIX'>;
  live: LiveEvents;
}

const keyOf = (deps: PresenceDeps, ticketId: string) =>
  `${deps.config.QUEUE_PREFIX}:presence:${ticketId}`;

/** Everyone with the ticket open now, oldest first; expired entries are dropped on the way. */
export async function listPresence(deps: PresenceDeps, ticketId: string): Promise<Viewer[]> {
  const key = keyOf(deps, ticketId);
  const entries = await deps.redis.hgetall(key);
  const now = Date.now();
  const viewers: (Viewer & { at: number })[] = [];
  const stale: string[] = [];
  for (const [userId, raw] of Object.entries(entries)) {
    try {
      const entry = JSON.parse(raw) as { name: string; editing: boolean; at: number };
      if (now - entry.at > PRESENCE_STALE_MS) stale.push(userId);
      else viewers.push({ userId, name: entry.name, editing: entry.editing, at: entry.at });
    } catch {
      stale.push(userId);
    }
  }
  if (stale.length) await deps.redis.hdel(key, ...stale);
  return viewers
    .sort((a, b) => a.at - b.at)
    .map(({ userId, name, editing }) => ({ userId, name, editing }));
}

/**
 * Records that an agent has a ticket open, is editing its draft, or left, and tells every open
 * page (Redis pub/sub → server-sent events). Kept in a Redis hash per ticket with a TTL, so a
 * restart or a crashed browser leaves nothing behind for long. Best effort, like live events.
 */
export async function markPresence(
  deps: PresenceDeps,
  ticketId: string,
  viewer: { userId: string; name: string },
  state: PresenceState,
): Promise<Viewer[]> {
  const key = keyOf(deps, ticketId);
  if (state === 'left') {
    await deps.redis.hdel(key, viewer.userId);
  } else {
    await deps.redis
      .multi()
      .hset(
        key,
        viewer.userId,
        JSON.stringify({
          name: viewer.name.slice(0, 200),
          editing: state === 'editing',
          at: Date.now(),
        }),
      )
      .pexpire(key, PRESENCE_STALE_MS * 2)
      .exec();
  }
  const viewers = await listPresence(deps, ticketId);
  await deps.live.publish({ type: 'presence.changed', ticketId, viewers });
  return viewers;
}
