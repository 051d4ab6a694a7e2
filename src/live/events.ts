import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { afterCommit } from '../db/tx.js';
import { createWorkerConnection, type RedisConnection, type RedisTarget } from '../jobs/redis.js';

/**
 * Live updates for open inbox pages (server-sent events). Workers publish on a Redis channel and
 * every API process fans the events out to its SSE clients. Events carry ids only — like job
 * payloads, nothing a customer wrote passes through Redis. Delivery is best effort: a page that
 * misses an event catches up on its next load, so publishing never fails the job that publishes.
 */
export const liveEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('draft.created'), draftId: z.uuid(), ticketId: z.uuid() }),
  /**
   * The model's draft is streaming onto a stand-in (`drafts.llm_preview`): ids and a length only;
   * each API process reads the text from Postgres for the pages it serves.
   */
  z.object({
    type: z.literal('draft.progress'),
    draftId: z.uuid(),
    ticketId: z.uuid(),
    chars: z.number().int().min(0),
  }),
  z.object({
    type: z.literal('draft.decided'),
    draftId: z.uuid(),
    ticketId: z.uuid(),
    status: z.string(),
  }),
  /** A pending draft changed without leaving the queue: claimed, its text saved, or overdue. */
  z.object({
    type: z.literal('draft.changed'),
    draftId: z.uuid(),
    ticketId: z.uuid(),
    change: z.enum(['claimed', 'saved', 'overdue']),
  }),
  /**
   * The ticket itself changed: triaged (by the job), its triage corrected, solved, answered in
   * the helpdesk (its waiting drafts retired), an agent added an internal note, a message came in
   * on it (a customer's follow-up, a helpdesk comment), or the customer or the helpdesk set its
   * status.
   */
  z.object({
    type: z.literal('ticket.changed'),
    ticketId: z.uuid(),
    change: z.enum([
      'triaged',
      'triage_corrected',
      'solved',
      'answered',
      'noted',
      'message',
      'status',
    ]),
  }),
  z.object({
    type: z.literal('delivery.changed'),
    deliveryId: z.uuid(),
    state: z.string(),
  }),
  /**
   * Who has a ticket open now (see live/presence.ts). Agents' ids and display names — staff, not
   * customer data — so the ids-only rule holds for everything a customer wrote.
   */
  /**
   * A person's access changed: disabled or their sessions ended (a password reset; their own
   * password change keeps `keepSessionId`), or a new role (what they may see changed). Every API
   * process ends that person's open streams at once: ended sessions are told to sign in again, a
   * new role reconnects under it. A staff id, no customer data.
   */
  z.object({
    type: z.literal('access.changed'),
    userId: z.uuid(),
    change: z.enum(['disabled', 'signed_out', 'role']),
    keepSessionId: z.uuid().optional(),
  }),
  z.object({
    type: z.literal('presence.changed'),
    ticketId: z.uuid(),
    viewers: z
      .array(z.object({ userId: z.string(), name: z.string().max(200), editing: z.boolean() }))
      .max(50),
  }),
]);
export type LiveEvent = z.infer<typeof liveEventSchema>;

export interface LiveEvents {
  publish(event: LiveEvent): Promise<void>;
  /** Returns an unsubscribe function. The Redis subscription opens on the first subscriber. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
  close(): Promise<void>;
}

/**
 * Publishes `events` once the transaction `db` belongs to has committed (at once outside a
 * transaction; dropped if it rolls back): how a pipeline step tells open pages about its change,
 * whichever door (inbox form, API, job) called it.
 */
export function publishAfterCommit(live: LiveEvents, db: Db, ...events: LiveEvent[]): void {
  if (events.length === 0) return;
  afterCommit(db, async () => {
    for (const event of events) await live.publish(event);
  });
}

/** A pending draft claimed, saved or past its SLA (`draft.changed`). */
export const draftChanged = (
  draft: { id: string; ticketId: string },
  change: 'claimed' | 'saved' | 'overdue',
): LiveEvent => ({ type: 'draft.changed', draftId: draft.id, ticketId: draft.ticketId, change });

export function createLiveEvents(opts: {
  publisher: RedisConnection;
  redis: RedisTarget;
  prefix: string;
  log: Logger;
}): LiveEvents {
  const channel = `${opts.prefix}:live`;
  const listeners = new Set<(event: LiveEvent) => void>();
  let subscriber: RedisConnection | null = null;

  function ensureSubscriber() {
    if (subscriber) return;
    const sub = createWorkerConnection(opts.redis);
    sub.on('error', (err) => opts.log.debug({ err: err.message }, 'live events connection error'));
    sub.on('message', (_channel: string, raw: string) => {
      let event: LiveEvent;
      try {
        event = liveEventSchema.parse(JSON.parse(raw));
      } catch {
        return;
      }
      for (const listener of listeners) listener(event);
    });
    // ioredis re-subscribes by itself after a reconnect.
    void sub.subscribe(channel).catch((err: Error) => {
      opts.log.warn({ err: err.message }, 'live events subscribe failed');
    });
    subscriber = sub;
  }

  return {
    async publish(event) {
      try {
        await opts.publisher.publish(channel, JSON.stringify(liveEventSchema.parse(event)));
      } catch (err) {
        opts.log.debug({ err: (err as Error).message, type: event.type }, 'live event not sent');
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      ensureSubscriber();
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      subscriber?.disconnect();
      subscriber = null;
    },
  };
}
