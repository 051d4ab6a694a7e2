import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createUser } from '../../../src/auth/users.js';
import { getDeliveryForDraft } from '../../../src/db/queries/drafts.js';
import { getTicket } from '../../../src/db/queries/tickets.js';
import { heldAdviceFor } from '../../../src/pipeline/deliver/wording.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { agentActor, seedPendingDraft } from '../../support/drafts.js';
import { pageText } from '../../support/page-text.js';
import { signInOverHttp } from '../../support/sign-in.js';
import { TestSmtpServer } from '../../support/smtp-server.js';

/**
 * A reply a guard held (the per-recipient daily cap, loop protection, no SMTP) was not a failed
 * send: the ticket page and the inbox say "held", why, and what the agent can do — never a red
 * "delivery failed".
 */
const password = 'a long enough password';
const job = { attemptsMade: 0, opts: { attempts: 1 } } as never;
let deps: TestDeps;
let smtp: TestSmtpServer;
let app: ReturnType<typeof createApp>;
let cookie: string;

const page = async (url: string) => {
  const res = await app.request(url, { headers: { cookie } });
  expect(res.status).toBe(200);
  return res.text();
};
const text = pageText;

/** A pending draft to `robin@example.net`, approved by Ana and put through the deliver job. */
async function approveAndDeliver(subject: string) {
  const { ticketId, draft } = await seedPendingDraft(deps.db, { subject });
  expect((await approveDraft(deps, { draftId: draft.id, actor: agentActor('ana') })).ok).toBe(true);
  const delivery = await getDeliveryForDraft(deps.db, draft.id);
  await processDeliver(deps, { deliveryId: delivery!.id }, job);
  return { ticketId, delivery: (await getDeliveryForDraft(deps.db, draft.id))! };
}

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  deps = await createTestDeps({
    SMTP_URL: `${smtp.url()}?pool=false`,
    MAX_REPLIES_PER_RECIPIENT_PER_DAY: '1',
  });
  app = createApp(deps);
  await createUser(deps.db, { email: 'ana@example.com', name: 'Ana', role: 'agent', password });
  ({ cookie } = await signInOverHttp(app, deps.db, 'ana@example.com', password));
});
afterAll(async () => {
  await deps?.cleanup();
  await smtp?.close();
});

describe('a held reply', () => {
  it('reads as held, with its reason and what to do, on the ticket page and in the inbox', async () => {
    expect((await approveAndDeliver('First question')).delivery.state).toBe('sent');
    // The same customer again within 24 hours: the daily cap (loop protection) holds it.
    const { ticketId, delivery } = await approveAndDeliver('Second question');
    expect(delivery.state).toBe('blocked');
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('delivery_failed');

    const html = await page(`/app/tickets/${ticketId}`);
    const shown = text(html);
    // Header badge: held (a warning), not a red "delivery failed".
    expect(html).toMatch(/<span class="badge warn"[^>]*data-delivery-state="blocked"[^>]*>/);
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
