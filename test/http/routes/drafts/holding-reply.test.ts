import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { createUser } from '../../../../src/auth/users.js';
import { getDeliveryForDraft, getDraft, insertDraft } from '../../../../src/db/queries/drafts.js';
import { listTicketEvents } from '../../../../src/db/queries/tickets.js';
import { createTestDeps, type TestDeps } from '../../../support/deps.js';
import { pageText } from '../../../support/page-text.js';
import { signInOverHttp } from '../../../support/sign-in.js';
import { seedEmailTicket } from '../../../support/tickets.js';

/**
 * An abstained draft ("no grounded answer") holds a holding text, not an answer. Sending that text
 * unchanged takes an explicit yes — `holdingReply: true` in the API, a ticked box in the inbox —
 * and the approval records it; without it nothing is sent. An edited text is the agent's answer.
 */
const HOLDING =
  'Hello Robin,\n\nThank you for your message. We are looking into this and will get back to you shortly.';
const password = 'a long enough password';
let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let key: string;
let cookie: string;
let csrf: string;

beforeAll(async () => {
  deps = await createTestDeps();
  app = createApp(deps);
  key = (await createApiKey(deps.db, { name: 'agent', role: 'agent' })).key;
  await createUser(deps.db, { email: 'ana@example.com', name: 'Ana', role: 'agent', password });
  ({ cookie, csrf } = await signInOverHttp(app, deps.db, 'ana@example.com', password));
});
afterAll(async () => {
  await deps?.cleanup();
});

async function abstainedDraft() {
  const { ticketId } = await seedEmailTicket(deps.db, { subject: 'Odd question' });
  const draft = await insertDraft(deps.db, {
    ticketId,
    kind: 'no_answer',
    state: 'abstained',
    reason: 'nothing relevant was found in the knowledge base',
    needsHuman: true,
    bodyText: HOLDING,
    model: 'extractive-v1',
  });
  return { ticketId, draft };
}

const api = (url: string, body?: unknown) =>
  app.request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const form = (url: string, fields: Record<string, string>) =>
  app.request(url, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });

describe('API: approving an abstained draft', () => {
  it('is refused (409, nothing sent) unless holdingReply is true, which is recorded', async () => {
    const { ticketId, draft } = await abstainedDraft();
    const refused = await api(`/api/drafts/${draft.id}/approve`);
    expect(refused.status).toBe(409);
    const error = ((await refused.json()) as { error: { message: string } }).error;
    expect(error.message).toContain('holding reply');
    expect(error.message).toContain('"holdingReply": true');
    expect((await getDraft(deps.db, draft.id))?.status).toBe('pending_approval');
    expect(await getDeliveryForDraft(deps.db, draft.id)).toBeFalsy();

    const sent = await api(`/api/drafts/${draft.id}/approve`, {
      lockVersion: draft.lockVersion,
      holdingReply: true,
    });
    expect(sent.status).toBe(200);
    const body = (await sent.json()) as { holdingReply: boolean; draft: { status: string } };
    expect(body).toMatchObject({ holdingReply: true, draft: { status: 'approved' } });
    expect(await getDeliveryForDraft(deps.db, draft.id)).toBeTruthy();
    const approved = (await listTicketEvents(deps.db, ticketId)).find((e) => e.type === 'approved');
    expect(approved?.data).toMatchObject({ draftId: draft.id, holdingReply: true });
  });

  it('needs no flag when the agent wrote the answer (edit)', async () => {
    const { draft } = await abstainedDraft();
    const res = await api(`/api/drafts/${draft.id}/edit`, {
      text: 'You can change the delivery address until the parcel ships, under Orders.',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ holdingReply: false });
  });

  it('is documented in the OpenAPI schema of the approve and edit bodies', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    };
    for (const op of ['approve', 'edit']) {
      const body = doc.paths[`/api/drafts/{id}/${op}`]?.post?.requestBody;
      expect(JSON.stringify(body), op).toContain('holdingReply');
    }
  });
});

describe('inbox: sending a holding reply', () => {
  it('asks for the confirm box, and sends nothing until it is ticked', async () => {
    const { ticketId, draft } = await abstainedDraft();
    const shown = await (
      await app.request(`/app?ticket=${ticketId}`, { headers: { cookie } })
    ).text();
    expect(shown).toContain('data-testid="holding-reply-confirm"');
    expect(pageText(shown)).toContain('Send holding reply');

    const back = `/app?ticket=${ticketId}`;
    const unconfirmed = await form(`/app/drafts/${draft.id}/approve`, {
      text: HOLDING,
      lockVersion: String(draft.lockVersion),
      back,
    });
    expect(unconfirmed.status).toBe(303);
    const refusedAt = unconfirmed.headers.get('location') ?? '';
    expect(refusedAt).toContain('notice=holding_reply');
    expect(await getDeliveryForDraft(deps.db, draft.id)).toBeFalsy();
    const notice = pageText(await (await app.request(refusedAt, { headers: { cookie } })).text());
    expect(notice).toContain('Not sent: this draft found no grounded answer');

    const confirmed = await form(`/app/drafts/${draft.id}/approve`, {
      text: HOLDING,
      lockVersion: String(draft.lockVersion),
      holdingReply: 'yes',
      back,
    });
    expect(confirmed.headers.get('location')).not.toContain('notice=holding_reply');
    expect((await getDraft(deps.db, draft.id))?.status).toBe('approved');
    expect(await getDeliveryForDraft(deps.db, draft.id)).toBeTruthy();
  });
});
