import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { getDeliveryForDraft, listDraftsForTicket } from '../../../src/db/queries/drafts.js';
import { getTicket } from '../../../src/db/queries/tickets.js';
import { NO_SMTP_REASON } from '../../../src/pipeline/deliver/deliver.js';
import { retryDelivery } from '../../../src/pipeline/deliver/retry.js';
import { heldAdviceFor } from '../../../src/pipeline/deliver/wording.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { type AgentApp, oneAttempt, startAgentApp } from '../../support/agent-app.js';
import type { TestDeps } from '../../support/deps.js';
import { agentActor, seedPendingDraft } from '../../support/drafts.js';
import { pageText } from '../../support/page-text.js';
import type { TestSmtpServer } from '../../support/smtp-server.js';

/**
 * A reply a guard held (the per-recipient daily cap, loop protection, no SMTP) was not a failed
 * send: the ticket page and the inbox say "held", why, and what the agent can do — never a red
 * "delivery failed".
 */
const job = oneAttempt;
let deps: TestDeps;
let smtp: TestSmtpServer;
let app: AgentApp['app'];
let page: AgentApp['page'];
let close: AgentApp['close'] | undefined;
const text = pageText;

/**
 * A pending draft to `robin@example.net`, approved by Ana and put through the deliver job (with
 * `mailer: null`, as a server without SMTP_URL runs it).
 */
async function approveAndDeliver(subject: string, mailer: TestDeps['mailer'] = deps.mailer) {
  const { ticketId, draft } = await seedPendingDraft(deps.db, { subject });
  expect((await approveDraft(deps, { draftId: draft.id, actor: agentActor('ana') })).ok).toBe(true);
  const delivery = await getDeliveryForDraft(deps.db, draft.id);
  await processDeliver({ ...deps, mailer }, { deliveryId: delivery!.id }, job);
  return { ticketId, delivery: (await getDeliveryForDraft(deps.db, draft.id))! };
}

beforeAll(async () => {
  ({ deps, smtp, app, page, close } = await startAgentApp({
    MAX_REPLIES_PER_RECIPIENT_PER_DAY: '1',
  }));
});
afterAll(() => close?.());

describe('a held reply', () => {
  it('reads as held, with its reason and what to do, on the ticket page and in the inbox', async () => {
    expect((await approveAndDeliver('First question')).delivery.state).toBe('sent');
    // The same customer again within 24 hours: the daily cap (loop protection) holds it.
    const { ticketId, delivery } = await approveAndDeliver('Second question');
    expect(delivery.state).toBe('blocked');
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('held');

    const html = await page(`/app/tickets/${ticketId}`);
    const shown = text(html);
    // Header badge: held (a warning), not a red "delivery failed".
    expect(html).toMatch(/<span class="badge warn" data-draft-state="held">reply held</);
    expect(shown).toContain('reply held');
    expect(shown).not.toMatch(/delivery failed/i);
    // The reason and the way forward.
    expect(shown).toContain('Held — daily reply cap for this recipient reached');
    expect(shown).toContain('MAX_REPLIES_PER_RECIPIENT_PER_DAY');
    expect(html).toMatch(/class="warn-box"[^>]*data-testid="draft-status"/);
    expect(html).toMatch(/class="warn-box"[^>]*data-testid="delivery-problem"/);
    expect(html).not.toContain('error-box');
    // Timeline: "Reply held", with the reason.
    expect(html).toMatch(
      /<li data-event="delivery_failed">[\s\S]*?Reply held[\s\S]*?daily reply cap/,
    );

    const inbox = await page(`/app?tab=problems&ticket=${ticketId}`);
    expect(text(inbox)).toContain('Held or failed replies');
    expect(inbox).toMatch(/<span class="badge warn" data-delivery-state="blocked">\s*held/);
    expect(inbox).not.toContain('badge danger');
    expect(inbox).not.toContain('error-box');
    expect(text(inbox)).toMatch(/Held — daily reply cap[\s\S]*Loop protection/);
  });

  it('has advice for every reason deliver holds a reply for', () => {
    const source = readFileSync('src/pipeline/deliver/deliver.ts', 'utf8');
    const literal = [...source.matchAll(/block\(deps, delivery, draft, '([^']+)'\)/g)].map(
      (m) => m[1]!,
    );
    expect(literal.length).toBeGreaterThanOrEqual(4);
    const fallback = heldAdviceFor({ lastError: 'something new' });
    for (const reason of [...literal, 'no outbound mail is configured (SMTP_URL)']) {
      expect(heldAdviceFor({ lastError: reason }), reason).not.toBe(fallback);
    }
  });
});

describe('the ticket list', () => {
  const row = (html: string, ticketId: string) =>
    html.match(
      new RegExp(`<li class="ticket-row" data-ticket-id="${ticketId}">[\\s\\S]*?</li>`),
    )?.[0] ?? '';
  const listed = async (query: string) => {
    const res = await app.request(`/api/tickets?${query}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: { id: string; draftState: string }[] }).items;
  };
  let apiKey: string;
  let held: string;
  let failed: string;

  beforeAll(async () => {
    apiKey = (await createApiKey(deps.db, { name: 'list', role: 'agent', teamId: null })).key;
    // No SMTP_URL: the reply is kept, not sent.
    const noSmtp = await approveAndDeliver('Held list question', null);
    expect(noSmtp.delivery).toMatchObject({ state: 'blocked', lastError: NO_SMTP_REASON });
    held = noSmtp.ticketId;
    // A send the server refused for good: a failure (the daily cap lifted so it is tried).
    const cap = deps.config.MAX_REPLIES_PER_RECIPIENT_PER_DAY;
    deps.config.MAX_REPLIES_PER_RECIPIENT_PER_DAY = 1000;
    smtp.rejectNext(1, 550);
    try {
      const refused = await approveAndDeliver('Failed list question');
      expect(refused.delivery.state).toBe('failed');
      failed = refused.ticketId;
    } finally {
      deps.config.MAX_REPLIES_PER_RECIPIENT_PER_DAY = cap;
    }
  });

  it('says held for a held reply and delivery failed for a failed one, as the ticket page does', async () => {
    const html = await page('/app/tickets?q=list+question');
    expect(row(html, held)).toMatch(/<span class="badge warn" data-draft-state="held">reply held</);
    expect(text(row(html, held))).not.toMatch(/delivery failed/i);
    expect(row(html, failed)).toMatch(
      /<span class="badge danger" data-draft-state="delivery_failed">delivery failed</,
    );
    // The ticket page reads the same state.
    expect(await page(`/app/tickets/${held}`)).toContain('data-draft-state="held"');
    expect(await page(`/app/tickets/${failed}`)).toContain('data-draft-state="delivery_failed"');
  });

  it('filters held and failed apart, on the page and in /api/tickets', async () => {
    const byState = async (state: string) => {
      const html = await page(`/app/tickets?q=list+question&draftState=${state}`);
      return [held, failed].filter((id) => row(html, id) !== '');
    };
    expect(await byState('held')).toEqual([held]);
    expect(await byState('delivery_failed')).toEqual([failed]);
    expect(await page('/app/tickets')).toMatch(/<option value="held"[^>]*>reply held</);

    const heldItems = await listed('draftState=held&q=list+question');
    expect(heldItems.map((i) => [i.id, i.draftState])).toEqual([[held, 'held']]);
    const failedItems = await listed('draftState=delivery_failed&q=list+question');
    expect(failedItems.map((i) => [i.id, i.draftState])).toEqual([[failed, 'delivery_failed']]);
  });

  it('keeps a held ticket in the Overdue view: the customer still waits', async () => {
    await deps.db.execute(
      sql`update tickets set reply_due_at = now() - interval '1 minute' where id = ${held}`,
    );
    expect(row(await page('/app/tickets?view=overdue'), held)).not.toBe('');
  });

  it('the migration marks tickets held before it as held', async () => {
    await deps.db.execute(
      sql`update tickets set draft_state = 'delivery_failed' where id in (${held}, ${failed})`,
    );
    const migration = readFileSync('migrations/0024_ticket_held_state.sql', 'utf8');
    const backfill = migration.split('--> statement-breakpoint').at(-1)!;
    expect(backfill).toMatch(/UPDATE tickets/);
    await deps.db.execute(sql.raw(backfill));
    expect((await getTicket(deps.db, held))?.draftState).toBe('held');
    expect((await getTicket(deps.db, failed))?.draftState).toBe('delivery_failed');
  });

  it('Send again takes a held ticket back to waiting on delivery', async () => {
    const [draft] = await listDraftsForTicket(deps.db, held);
    const delivery = await getDeliveryForDraft(deps.db, draft!.id);
    expect(delivery?.state).toBe('blocked');
    const retried = await retryDelivery(deps, {
      deliveryId: delivery!.id,
      actor: agentActor('ana'),
    });
    expect(retried.ok).toBe(true);
    expect((await getTicket(deps.db, held))?.draftState).toBe('sending');
  });
});
