import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { createUser } from '../../../src/auth/users.js';
import { classifierTrain } from '../../../src/cli/commands/classifier.js';
import { insertMessage, listTicketEvents, upsertTicket } from '../../../src/db/queries/tickets.js';
import { getTriage } from '../../../src/db/queries/triage.js';
import { rowsOf } from '../../../src/db/rows.js';
import type { FieldDecision } from '../../../src/db/schema/triage.js';
import { createClassifierStore } from '../../../src/pipeline/triage/classifier-store.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { signInOverHttp } from '../../support/sign-in.js';

const password = 'a long enough password';

let deps: TestDeps;
let dir: string;

beforeAll(async () => {
  deps = await createTestDeps({ VIP_DOMAINS: 'vip.example' });
  // Reload models on every call, so a training run is seen by the next triage at once.
  deps.classifierStore = createClassifierStore(deps.db, deps.log, { refreshMs: 0 });
  dir = mkdtempSync(path.join(tmpdir(), 'dp-fields-'));
});
afterAll(async () => {
  await deps.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A team's history: wishes are low priority for the product queue, audit exports high for engineering. */
function historyCsv(): string {
  const rows = ['subject,body,priority,queue,type'];
  for (let i = 0; i < 12; i++) {
    rows.push(
      `Idea ${i},"Just a suggestion: a dark mode for the dashboard would be nice (idea ${i})",low,Product,Request`,
      `Audit ${i},"We need the audit export of all accounts before Friday (batch ${i})",high,Engineering,Incident`,
      `Profile ${i},"How do I change the language of my profile page? (question ${i})",medium,Support,Request`,
    );
  }
  const file = path.join(dir, 'history.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

async function triage(subject: string, body: string, requesterEmail = 'ana@example.com') {
  const { ticket } = await upsertTicket(deps.db, {
    source: 'api',
    channel: 'api',
    subject,
    requesterEmail,
  });
  await insertMessage(deps.db, {
    ticketId: ticket.id,
    direction: 'inbound',
    authorKind: 'customer',
    bodyText: body,
  });
  await triageTicket(deps, { ticketId: ticket.id });
  const row = await getTriage(deps.db, ticket.id);
  return { ticketId: ticket.id, triage: row!, field: (f: string) => row!.fields[f]! };
}

const wish = ['Idea', 'Just a suggestion: a dark mode for the dashboard would be nice'] as const;
const stuck = ['Audit', 'We need the audit export of all accounts before Friday'] as const;

describe('every triage field learned from labels, rules as recorded overrides', () => {
  let before: FieldDecision;

  it('without priority labels the rules decide, and the triage says so', async () => {
    const { field, triage: row } = await triage(...stuck);
    before = field('priority');
    expect(before).toMatchObject({ decidedBy: 'rules', confidence: null, modelVersion: null });
    expect(before.reasons.length).toBeGreaterThan(0);
    expect(row.priority).toBe(before.value);
    // The category came from its model, with the words that drove it.
    expect(field('category')).toMatchObject({ decidedBy: 'classifier', value: row.category });
    expect(field('category').explanation.length).toBeGreaterThan(0);
  });

  it('training on a CSV with priority labels changes the predicted priority, with an explanation', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await classifierTrain(deps.db, {
        csv: historyCsv(),
        textCol: 'subject,body',
        fields: 'priority,queue,type',
      });
    } finally {
      log.mockRestore();
    }
    const after = await triage(...stuck);
    expect(after.field('priority')).toMatchObject({ decidedBy: 'classifier', value: 'high' });
    expect(after.triage.priority).toBe('high');
    expect(after.field('priority').value).not.toBe(before.value);
    expect(after.field('queue').value).toBe('Engineering');

    const { field, triage: row } = await triage(...wish);
    const priority = field('priority');
    expect(priority.decidedBy).toBe('classifier');
    expect(priority.value).toBe('low');
    expect(row.priority).toBe('low');
    expect(priority.modelVersion).toEqual(expect.any(Number));
    expect(priority.confidence).toBeGreaterThan(0);
    const terms = priority.explanation.map((t) => t.term).join(' ');
    expect(terms).toMatch(/suggestion|dark|mode|nice|idea/);
    // The queue model replaced the catch-all routing rule; a custom field was learned too.
    expect(field('queue')).toMatchObject({ decidedBy: 'classifier', value: 'Product' });
    expect(row.queue).toBe('Product');
    expect(field('type')).toMatchObject({ decidedBy: 'classifier', value: 'Request' });
  });

  it('VIP and outage rules override the model after it, with the reason recorded', async () => {
    const vip = await triage(...wish, 'ceo@vip.example');
    expect(vip.field('priority')).toMatchObject({
      decidedBy: 'classifier',
      value: 'normal',
      override: { from: 'low', reason: 'VIP customer' },
    });
    const [event] = (await listTicketEvents(deps.db, vip.ticketId)).filter(
      (e) => e.type === 'triaged',
    );
    expect(event?.data).toMatchObject({
      priority: 'normal',
      priorityDecidedBy: 'classifier',
      priorityReasons: ['VIP customer'],
    });

    const outage = await triage('Idea', 'Just a suggestion, but the whole site is down: outage!');
    expect(outage.field('priority').override).toEqual({ from: 'low', reason: 'outage words' });
    expect(outage.triage.priority).toBe('urgent');
  });

  it('the API shows what decided each field; a priority correction becomes a label', async () => {
    const app = createApp(deps);
    const { key } = await createApiKey(deps.db, { name: 'agent', role: 'agent' });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const { ticketId } = await triage(...wish);
    const res = await app.request(`/api/tickets/${ticketId}/triage`, { headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { triage: { fields: Record<string, FieldDecision> } };
    expect(body.triage.fields.priority).toMatchObject({ decidedBy: 'classifier', value: 'low' });
    expect(body.triage.fields.category?.explanation.length).toBeGreaterThan(0);

    // The agent's triage panel says what decided each field and which words drove the model.
    await createUser(deps.db, { email: 'ana@example.com', name: 'Ana', role: 'agent', password });
    const { cookie, csrf } = await signInOverHttp(app, deps.db, 'ana@example.com', password);
    const html = await (
      await app.request(`/app?ticket=${ticketId}`, { headers: { cookie } })
    ).text();
    const panel = html.slice(html.indexOf('aria-label="Triage"'));
    expect(panel).toMatch(/decided by model v\d+, \d+%/);
    expect(panel).toContain('data-decided-by="classifier"');
    expect(panel).toMatch(/because of <mark>[^<]+<\/mark>/);

    // The panel's form corrects the priority alone: a label for the priority model only.
    const other = await triage(...wish);
    const posted = await app.request(`/app/tickets/${other.ticketId}/triage`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: csrf,
        category: other.triage.category,
        priority: 'normal',
      }).toString(),
    });
    expect(posted.status).toBe(303);
    const corrected = await getTriage(deps.db, other.ticketId);
    expect(corrected).toMatchObject({ priority: 'normal', correctedCategory: null });
    expect(corrected?.fields.priority).toMatchObject({ decidedBy: 'agent', value: 'normal' });

    const bad = await app.request(`/api/tickets/${ticketId}/triage`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ priority: 'whenever' }),
    });
    expect(bad.status).toBe(400);
    const ok = await app.request(`/api/tickets/${ticketId}/triage`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ priority: 'high' }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      fields: { priority: { previous: 'low', value: 'high' } },
    });
    const row = await getTriage(deps.db, ticketId);
    expect(row?.priority).toBe('high');
    expect(row?.fields.priority).toMatchObject({
      decidedBy: 'agent',
      override: { from: 'low', reason: 'agent' },
    });
    const labels = rowsOf<{ field: string; label: string }>(
      await deps.db.execute(
        sql`select field, label from training_examples where ticket_id = ${ticketId}`,
      ),
    );
    expect(labels).toEqual([{ field: 'priority', label: 'high' }]);
  });
});
