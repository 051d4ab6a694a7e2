import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbImport } from '../../src/cli/commands/kb-import.js';
import { rowsOf } from '../../src/db/rows.js';
import { createLlamaGenerator } from '../../src/models/generator/index.js';
import { createOpenAICompatibleGenerator } from '../../src/models/generator/openai.js';
import type { Generator } from '../../src/models/generator/types.js';
import { draftReply } from '../../src/pipeline/draft/draft.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { SAMPLE_KB } from '../support/fixtures.js';
import { seedEmailTicket } from '../support/tickets.js';
import { FakeLlmServer } from './support/fake-llm.js';

const STORIES = path.resolve(import.meta.dirname, '../../../shared/models/stories260K.gguf');
const samples = SAMPLE_KB;

/*
 * Not gated on faultTestsCanRun() like the other fault tests: the faults here are the model's (a
 * file that cannot load, an HTTP endpoint that errors or hangs), in this process, and the database
 * only stores the outcome, so it runs — and can fail — on PGlite too (createTestDeps picks PGlite
 * without TEST_DATABASE_URL) instead of being skipped.
 */
let deps: TestDeps;
let llm: FakeLlmServer;
let dir: string;

beforeAll(async () => {
  deps = await createTestDeps();
  await kbImport(deps.db, samples);
  llm = await FakeLlmServer.start();
  dir = await mkdtemp(path.join(os.tmpdir(), 'deskpilot-fault-model-'));
});
afterAll(async () => {
  await deps.cleanup();
  await llm.close();
  await rm(dir, { recursive: true, force: true });
});

/** A triaged ticket the sample knowledge base answers, drafted with `generator`. */
async function draftWith(generator: Generator) {
  const { ticketId } = await seedEmailTicket(deps.db, { from: `m${Date.now()}@example.net` });
  await triageTicket(deps, { ticketId });
  const outcome = await draftReply(
    { ...deps, models: { ...deps.models, draftLlm: generator } },
    { ticketId },
  );
  if (outcome.status !== 'drafted') throw new Error(`not drafted: ${outcome.reason}`);
  const [interaction] = rowsOf<{ step: string; model: string; output: { llmFailure?: string } }>(
    await deps.db.execute(
      // The last one: the extractive draft shown while the model wrote comes first.
      sql`select step, model, output from ai_interactions
          where ticket_id = ${ticketId} and step like 'draft.%' order by created_at desc limit 1`,
    ),
  );
  return { draft: outcome.draft, interaction };
}

describe('drafting when the model fails', () => {
  it('a model file that cannot load → the extractive draft, flagged for a human', async () => {
    // A truncated download: real llama.cpp refuses it at load time.
    const file = path.join(dir, 'truncated.gguf');
    const source = await open(STORIES, 'r');
    const half = Buffer.alloc(300_000);
    await source.read(half, 0, half.length, 0);
    await source.close();
    await writeFile(file, half);
    const generator = createLlamaGenerator({ modelPath: file, contextSize: 1024, threads: 1 });
    try {
      const { draft, interaction } = await draftWith(generator);
      expect(draft.kind).toBe('extractive');
      expect(draft.model).toBe('extractive-v2');
      expect(draft.guardFlags).toEqual(['llm_failed']);
      expect(draft.needsHuman).toBe(true);
      expect(draft.status).toBe('pending_approval');
      // Still a grounded answer the agent can send.
      expect(draft.citations.length).toBeGreaterThan(0);
      expect(interaction?.output.llmFailure).toContain('truncated.gguf');
    } finally {
      await generator.close();
    }
  }, 60_000);

  it('a generation that runs past its deadline → the extractive draft, flagged', async () => {
    // The real OpenAI-compatible adapter against a server that never answers; the draft step's
    // 90 s deadline is shortened to 1 s so the test does not wait it out.
    llm.mode = 'hold';
    const remote = createOpenAICompatibleGenerator({
      baseUrl: llm.url,
      model: 'slow-model',
      timeoutMs: 1_000,
    });
    const generator: Generator = {
      ...remote,
      name: remote.name,
      contextSize: remote.contextSize,
      generate: (request) => remote.generate({ ...request, timeoutMs: 1_000 }),
    };
    try {
      const before = llm.requests;
      const started = Date.now();
      const { draft, interaction } = await draftWith(generator);
      expect(llm.requests).toBeGreaterThan(before);
      expect(Date.now() - started).toBeLessThan(15_000);
      // Not a half-written model reply: the extractive composer's, flagged.
      expect(draft.kind).toBe('extractive');
      expect(draft.guardFlags).toEqual(['llm_failed']);
      expect(draft.needsHuman).toBe(true);
      expect(draft.citations.length).toBeGreaterThan(0);
      expect(interaction?.output.llmFailure).toMatch(/timeout/);
    } finally {
      llm.releaseHeld();
      llm.mode = 'answer';
      await remote.close();
    }
  }, 60_000);

  it('the same model answering in time gives an LLM draft (the fallback is not the default)', async () => {
    const generator = createOpenAICompatibleGenerator({
      baseUrl: llm.url,
      model: 'fast-model',
      timeoutMs: 5_000,
    });
    try {
      const { draft } = await draftWith(generator);
      expect(draft.kind).toBe('llm');
      expect(draft.guardFlags).not.toContain('llm_failed');
    } finally {
      await generator.close();
    }
  });
});
