import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createUser } from '../../../src/auth/users.js';
import { kbImport } from '../../../src/cli/commands/kb-import.js';
import { retirePendingDrafts } from '../../../src/db/queries/draft-state.js';
import {
  claimDraft,
  listDraftsForTicket,
  setDraftPreview,
} from '../../../src/db/queries/drafts.js';
import { rowsOf } from '../../../src/db/rows.js';
import type { LiveEvent } from '../../../src/live/events.js';
import { createOpenAICompatibleGenerator } from '../../../src/models/generator/openai.js';
import { draftReply } from '../../../src/pipeline/draft/draft.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { FakeLlmServer } from '../../faults/support/fake-llm.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { SAMPLE_KB } from '../../support/fixtures.js';
import { waitFor } from '../../support/redis-server.js';
import { signInOverHttp } from '../../support/sign-in.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * With a model configured (DRAFT_LLM, here an OpenAI-compatible server that streams), the inbox
 * gets the extractive draft at once, watches the model's draft grow on it, and then gets the
 * model's draft in its place — unless an agent started on the extractive one meanwhile.
 */
let deps: TestDeps;
let llm: FakeLlmServer;
const reply =
  'Hello, you can reset your password from the sign-in page: choose "Forgot password" and follow the link we email you [1].\n\nSupport team';

beforeAll(async () => {
  deps = await createTestDeps();
  await kbImport(deps.db, SAMPLE_KB);
  llm = await FakeLlmServer.start();
  llm.reply = reply;
});
afterAll(async () => {
  await deps.cleanup();
  await llm.close();
});

function withModel() {
  const generator = createOpenAICompatibleGenerator({
    baseUrl: llm.url,
    model: 'streaming-model',
    timeoutMs: 20_000,
  });
  return { deps: { ...deps, models: { ...deps.models, draftLlm: generator } }, generator };
}

async function triagedTicket() {
  const { ticketId } = await seedEmailTicket(deps.db, { from: `s${Date.now()}@example.net` });
  await triageTicket(deps, { ticketId });
  return ticketId;
}

const standInOf = (ticketId: string) =>
  waitFor(
    async () => {
      const [first] = await listDraftsForTicket(deps.db, ticketId);
      return first?.provisional ? first : null;
    },
    { what: 'the extractive stand-in', timeoutMs: 10_000 },
  );

describe('LLM drafts stream onto the extractive draft shown meanwhile', () => {
  it('shows the extractive draft at once, streams the model text onto it, then replaces it', async () => {
    const events: LiveEvent[] = [];
    const unsubscribe = deps.live.subscribe((e) => events.push(e));
    // The Redis subscription opens with the first listener.
    await new Promise((r) => setTimeout(r, 200));
    const { deps: modelDeps, generator } = withModel();
    llm.streamDelayMs = 60; // ~25 words: about 1.5 s of generation
    try {
      const ticketId = await triagedTicket();
      const drafting = draftReply(modelDeps, { ticketId });
      const standIn = await standInOf(ticketId);
      expect(standIn.status).toBe('pending_approval');
      expect(standIn.kind).toBe('extractive');
      expect(standIn.citations.length).toBeGreaterThan(0);
      expect(standIn.reason).toMatch(/model is writing/);

      // The model's text grows on the stand-in while it is generated.
      const seen: string[] = [];
      await waitFor(
        async () => {
          const [row] = await listDraftsForTicket(deps.db, ticketId);
          const text = row?.llmPreview ?? '';
          if (text && text !== seen.at(-1)) seen.push(text);
          return seen.length >= 2 ? true : null;
        },
        { what: 'the preview to grow', timeoutMs: 10_000 },
      );
      expect(seen[1]!.length).toBeGreaterThan(seen[0]!.length);
      expect(reply.startsWith(seen[1]!)).toBe(true);

      const outcome = await drafting;
      if (outcome.status !== 'drafted') throw new Error(outcome.reason);
      expect(outcome.draft.kind).toBe('llm');
      expect(outcome.draft.bodyText).toBe(reply.trim());
      expect(outcome.draft.status).toBe('pending_approval');
      const versions = await listDraftsForTicket(deps.db, ticketId);
      expect(versions.map((v) => [v.version, v.kind, v.status, v.provisional])).toEqual([
        [1, 'extractive', 'superseded', true],
        [2, 'llm', 'pending_approval', false],
      ]);
      expect(versions[0]!.llmPreview).toBeNull();
      expect(llm.streamedRequests).toBeGreaterThan(0);

      // Open pages heard: the stand-in, its progress (ids and a length only), the replacement.
      await waitFor(
        async () =>
          events.some((e) => e.type === 'draft.created' && e.draftId === outcome.draft.id) || null,
        { what: 'the replacement event', timeoutMs: 5_000 },
      );
      // The draft's events (the triage step publishes its own `ticket.changed` before them).
      const mine = events.filter(
        (e) => 'draftId' in e && 'ticketId' in e && e.ticketId === ticketId,
      );
      expect(mine[0]).toMatchObject({ type: 'draft.created', draftId: standIn.id });
      const progress = mine.filter((e) => e.type === 'draft.progress');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.every((e) => e.type === 'draft.progress' && e.draftId === standIn.id)).toBe(
        true,
      );
      expect(JSON.stringify(progress)).not.toContain('password');
      expect(mine.at(-1)).toMatchObject({ type: 'draft.created', draftId: outcome.draft.id });
      // Throttled: far fewer events than streamed words.
      expect(progress.length).toBeLessThan(reply.split(/\s+/).length / 2);
    } finally {
      unsubscribe();
      llm.streamDelayMs = 0;
      await generator.close();
    }
  }, 60_000);

  it('an agent who started on the extractive draft keeps it; the model draft goes to the audit log', async () => {
    const { deps: modelDeps, generator } = withModel();
    llm.streamDelayMs = 40;
    try {
      const ticketId = await triagedTicket();
      const drafting = draftReply(modelDeps, { ticketId });
      const standIn = await standInOf(ticketId);
      expect(await claimDraft(deps.db, standIn.id, 'agent@example.com', 300)).not.toBeNull();
      const outcome = await drafting;
      if (outcome.status !== 'drafted') throw new Error(outcome.reason);
      expect(outcome.draft.id).toBe(standIn.id);
      const versions = await listDraftsForTicket(deps.db, ticketId);
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({
        status: 'pending_approval',
        kind: 'extractive',
        provisional: false,
        llmPreview: null,
        claimedBy: 'agent@example.com',
      });
      const audit = rowsOf<{ output: { discarded?: string } }>(
        await deps.db.execute(
          sql`select output from ai_interactions
              where ticket_id = ${ticketId} and step = 'draft.generate'`,
        ),
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]!.output.discarded).toBe('an agent started on the extractive draft');
    } finally {
      llm.streamDelayMs = 0;
      await generator.close();
    }
  }, 60_000);

  it('a stand-in retired meanwhile (the customer was answered elsewhere) stays retired', async () => {
    const { deps: modelDeps, generator } = withModel();
    llm.streamDelayMs = 40;
    try {
      const ticketId = await triagedTicket();
      const drafting = draftReply(modelDeps, { ticketId });
      await standInOf(ticketId);
      expect(await retirePendingDrafts(deps.db, ticketId)).toBe(1);
      const outcome = await drafting;
      if (outcome.status !== 'drafted') throw new Error(outcome.reason);
      expect(outcome.draft).toMatchObject({ status: 'retired', provisional: false });
      expect(await listDraftsForTicket(deps.db, ticketId)).toHaveLength(1);
      const audit = rowsOf<{ output: { discarded?: string } }>(
        await deps.db.execute(
          sql`select output from ai_interactions
              where ticket_id = ${ticketId} and step = 'draft.generate'`,
        ),
      );
      expect(audit[0]!.output.discarded).toBe('the extractive draft was retired meanwhile');
    } finally {
      llm.streamDelayMs = 0;
      await generator.close();
    }
  }, 60_000);

  it('a job that died while the model wrote resumes on the same stand-in when retried', async () => {
    const { deps: modelDeps, generator } = withModel();
    llm.mode = 'hold';
    try {
      const ticketId = await triagedTicket();
      const before = llm.requests;
      const first = draftReply(
        {
          ...modelDeps,
          models: {
            ...modelDeps.models,
            // The first run's model call never returns in time (the worker "dies" mid-generation).
            draftLlm: createOpenAICompatibleGenerator({
              baseUrl: llm.url,
              model: 'streaming-model',
              timeoutMs: 20_000,
            }),
          },
        },
        { ticketId },
      );
      const standIn = await standInOf(ticketId);
      await llm.waitForRequests(before + 1);
      llm.mode = 'answer';
      // The retried job finds the stand-in still waiting and writes the model's draft.
      const retried = await draftReply(modelDeps, { ticketId });
      if (retried.status !== 'drafted') throw new Error(retried.reason);
      expect(retried.draft.kind).toBe('llm');
      const versions = await listDraftsForTicket(deps.db, ticketId);
      expect(versions.map((v) => [v.id === standIn.id, v.status])).toEqual([
        [true, 'superseded'],
        [false, 'pending_approval'],
      ]);
      // The first run, released late, finds the stand-in taken care of and adds nothing.
      llm.releaseHeld();
      const late = await first;
      expect(late).toEqual({ status: 'skipped', reason: 'already_drafted' });
      expect((await listDraftsForTicket(deps.db, ticketId))[0]!.provisional).toBe(true);
      expect(await listDraftsForTicket(deps.db, ticketId)).toHaveLength(2);
    } finally {
      llm.mode = 'answer';
      await generator.close();
    }
  }, 60_000);
});

describe('the inbox while a model draft streams', () => {
  let app: ReturnType<typeof createApp>;
  let cookie: string;
  beforeAll(async () => {
    app = createApp(deps);
    await createUser(deps.db, {
      email: 'streamer@example.com',
      name: 'Sam',
      role: 'agent',
      password: 'a long enough password',
    });
    ({ cookie } = await signInOverHttp(
      app,
      deps.db,
      'streamer@example.com',
      'a long enough password',
    ));
  });

  it('the ticket page shows the model text under the extractive draft, then the history marks it', async () => {
    const { deps: modelDeps, generator } = withModel();
    llm.mode = 'hold';
    try {
      const ticketId = await triagedTicket();
      const drafting = draftReply(modelDeps, { ticketId });
      const standIn = await standInOf(ticketId);
      await setDraftPreview(deps.db, standIn.id, 'Hello, you can reset');
      const during = await (
        await app.request(`/app/tickets/${ticketId}`, { headers: { cookie } })
      ).text();
      expect(during).toContain(`data-llm-preview="${standIn.id}"`);
      expect(during).toContain('Hello, you can reset');
      expect(during).toContain('The model is writing its draft');
      llm.mode = 'answer';
      llm.releaseHeld();
      await drafting;
      const after = await (
        await app.request(`/app/tickets/${ticketId}`, { headers: { cookie } })
      ).text();
      expect(after).not.toContain('data-llm-preview');
      expect(after).toContain('shown while the model wrote, then replaced');
    } finally {
      llm.mode = 'answer';
      await generator.close();
    }
  }, 60_000);

  it("GET /app/events sends the model's text so far to a page that may see the ticket", async () => {
    const { deps: modelDeps, generator } = withModel();
    llm.streamDelayMs = 80;
    const res = await app.request('/app/events', { headers: { cookie } });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      let read = reader.read();
      // Wait for the stream to be ready before drafting.
      while (!text.includes('event: ready')) {
        const chunk = await read;
        text += decoder.decode(chunk.value);
        read = reader.read();
      }
      await new Promise((r) => setTimeout(r, 200));
      const ticketId = await triagedTicket();
      const drafting = draftReply(modelDeps, { ticketId });
      const deadline = Date.now() + 15_000;
      while (
        Date.now() < deadline &&
        !/event: draft\.progress\ndata: .*"text":"Hello, you/.test(text)
      ) {
        const chunk = await Promise.race([
          read,
          new Promise<null>((r) => setTimeout(() => r(null), 300)),
        ]);
        if (chunk) {
          if (chunk.done) break;
          text += decoder.decode(chunk.value);
          read = reader.read();
        }
      }
      await drafting;
      expect(text).toMatch(/event: draft\.progress\ndata: .*"text":"Hello, you/);
      expect(text).toContain(ticketId);
    } finally {
      await reader.cancel().catch(() => {});
      llm.streamDelayMs = 0;
      await generator.close();
    }
  }, 60_000);
});
