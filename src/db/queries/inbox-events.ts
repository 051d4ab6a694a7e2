import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { inboxEvents, type SignatureMeta, webhookNonces } from '../schema/inbox-events.js';

/**
 * Claims an inbound delivery by its dedupe key. Returns null when the key was already recorded —
 * by an earlier delivery or a concurrent one that committed first (the unique index serialises them).
 */
export async function claimInboxEvent(
  db: Db,
  event: { source: string; dedupeKey: string; eventType: string; signature: SignatureMeta },
): Promise<string | null> {
  const [row] = await db
    .insert(inboxEvents)
    .values(event)
    .onConflictDoNothing({ target: [inboxEvents.source, inboxEvents.dedupeKey] })
    .returning({ id: inboxEvents.id });
  return row?.id ?? null;
}

export async function findInboxEvent(db: Db, source: string, dedupeKey: string) {
  const [row] = await db
    .select()
    .from(inboxEvents)
    .where(and(eq(inboxEvents.source, source), eq(inboxEvents.dedupeKey, dedupeKey)))
    .limit(1);
  return row ?? null;
}

export async function linkInboxEvent(
  db: Db,
  id: string,
  link: { ticketId: string | null; messageId: string | null },
): Promise<void> {
  await db.update(inboxEvents).set(link).where(eq(inboxEvents.id, id));
}

/** Remembers a one-time value; false when it was seen before (a replay). */
export async function useNonce(
  db: Db,
  source: string,
  nonce: string,
  ttlSeconds: number,
): Promise<boolean> {
  const rows = await db
    .insert(webhookNonces)
    .values({ source, nonce, expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})` })
    .onConflictDoNothing()
    .returning({ nonce: webhookNonces.nonce });
  return rows.length > 0;
}
