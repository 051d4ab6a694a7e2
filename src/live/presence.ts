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

/** One open page of one agent: `pageId` tells two tabs (or a reload) of the same agent apart. */
export interface PresencePage {
  userId: string;
  name: string;
  /** Chosen by the page when it loads; absent from pages served before it existed. */
  pageId?: string;
}

const keyOf = (deps: PresenceDeps, ticketId: string) =>
  `${deps.config.QUEUE_PREFIX}:presence:${ticketId}`;

/** Hash field of one page: `<userId>` alone for a page that names none. */
const fieldOf = (page: PresencePage) =>
  page.pageId ? `${page.userId} ${page.pageId}` : page.userId;

interface Entry {
  userId: string;
  name: string;
  editing: boolean;
  at: number;
  /** The page said it left: kept until stale so its own late "viewing" cannot bring it back. */
  left?: boolean;
}

/**
 * Writes a page's entry unless the page already left. A page's "left" (a beacon as it closes)
 * can overtake its last "viewing" (an ordinary request sent just before); without the
 * tombstone that late "viewing" would show the agent on the ticket for another 40 s. One
 * script, so the check and the write cannot interleave with another request of the same page.
 */
const MARK_SCRIPT = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] ~= '1' and old and string.find(old, '"left":true', 1, true) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** Everyone with the ticket open now, oldest first; expired entries are dropped on the way. */
export async function listPresence(deps: PresenceDeps, ticketId: string): Promise<Viewer[]> {
  const key = keyOf(deps, ticketId);
  const entries = await deps.redis.hgetall(key);
  const now = Date.now();
  // One line per agent however many of their pages are open: editing if any page is.
  const byUser = new Map<string, Entry>();
  const stale: string[] = [];
  for (const [field, raw] of Object.entries(entries)) {
    let entry: Entry;
    try {
      const parsed = JSON.parse(raw) as Partial<Entry>;
      entry = {
        userId: parsed.userId ?? field,
        name: String(parsed.name ?? ''),
        editing: parsed.editing === true,
        at: Number(parsed.at),
        left: parsed.left === true,
      };
    } catch {
      stale.push(field);
      continue;
    }
    if (!(now - entry.at <= PRESENCE_STALE_MS)) {
      stale.push(field);
      continue;
    }
    if (entry.left) continue;
    const seen = byUser.get(entry.userId);
    byUser.set(
      entry.userId,
      seen
        ? { ...seen, editing: seen.editing || entry.editing, at: Math.min(seen.at, entry.at) }
        : entry,
    );
  }
  if (stale.length) await deps.redis.hdel(key, ...stale);
  return [...byUser.values()]
    .sort((a, b) => a.at - b.at)
    .map(({ userId, name, editing }) => ({ userId, name, editing }));
}

/**
 * Records that an agent's page has a ticket open, is editing its draft, or left, and tells
 * every open page (Redis pub/sub → server-sent events). Kept in a Redis hash per ticket with a
 * TTL, so a restart or a crashed browser leaves nothing behind for long. Best effort, like live
 * events. An agent with two tabs on the ticket stays listed until both have left.
 */
export async function markPresence(
  deps: PresenceDeps,
  ticketId: string,
  page: PresencePage,
  state: PresenceState,
): Promise<Viewer[]> {
  const entry: Entry = {
    userId: page.userId,
    name: page.name.slice(0, 200),
    editing: state === 'editing',
    at: Date.now(),
    ...(state === 'left' ? { left: true } : {}),
  };
  if (state === 'left' && !page.pageId) {
    // A page that names itself not: its "left" cannot be told from a later page's, so no
    // tombstone (it would hide the agent's next page for 40 s).
    await deps.redis.hdel(keyOf(deps, ticketId), fieldOf(page));
  } else {
    await deps.redis.eval(
      MARK_SCRIPT,
      1,
      keyOf(deps, ticketId),
      fieldOf(page),
      JSON.stringify(entry),
      state === 'left' ? '1' : '0',
      PRESENCE_STALE_MS * 2,
    );
  }
  const viewers = await listPresence(deps, ticketId);
  await deps.live.publish({ type: 'presence.changed', ticketId, viewers });
  return viewers;
}
