import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDraftsForTicket } from '../../../src/db/queries/drafts.js';
import { listAiInteractions } from '../../../src/db/queries/triage.js';
import { tickets } from '../../../src/db/schema/tickets.js';
import { indexEvalCorpus } from '../../../src/kb/eval.js';
import { parseArticlesJsonl } from '../../../src/kb/sources/jsonl.js';
import { draftReply } from '../../../src/pipeline/draft/draft.js';
import { resolveReplyLanguage } from '../../../src/pipeline/draft/reply-language.js';
import { detectLanguage } from '../../../src/pipeline/language.js';
import { regenerateDraft } from '../../../src/pipeline/review/actions.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { agentActor } from '../../support/drafts.js';
import { seedEmailTicket } from '../../support/tickets.js';

const fixtures = path.resolve(import.meta.dirname, '../../fixtures/draft-eval');
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
  const docs = parseArticlesJsonl(readFileSync(path.join(fixtures, 'docs.jsonl'), 'utf8'));
  await indexEvalCorpus(deps.db, docs, deps.embedders[0]!);
});
afterAll(async () => {
  await deps.cleanup();
});

async function draftFor(
  body: string,
  over: { from?: string; subject?: string } = {},
  using: TestDeps = deps,
) {
  const { ticketId } = await seedEmailTicket(deps.db, {
    subject: over.subject ?? '',
    body,
    from: over.from,
  });
  await triageTicket(using, { ticketId });
  const outcome = await draftReply(using, { ticketId });
  if (outcome.status !== 'drafted') throw new Error(`not drafted: ${outcome.reason}`);
  return outcome.draft;
}

async function regenerate(draftId: string, instructions: string | null) {
  const asked = await regenerateDraft(deps, {
    draftId,
    actor: agentActor('agent@example.com'),
    instructions,
  });
  if (!asked.ok) throw new Error(asked.reason);
  const outcome = await draftReply(deps, { ticketId: asked.draft.ticketId, regenerateOf: draftId });
  if (outcome.status !== 'drafted') throw new Error(`not drafted: ${outcome.reason}`);
  return outcome.draft;
}

describe('calibrated abstention', () => {
  it('abstains on questions the knowledge base has nothing about, with the reason stored', async () => {
    for (const question of ['how many calories are in a banana', 'tell me a joke about penguins']) {
      const draft = await draftFor(question);
      expect(draft.state).toBe('abstained');
      expect(draft.kind).toBe('no_answer');
      expect(draft.needsHuman).toBe(true);
      expect(draft.citations).toEqual([]);
      expect(draft.confidence).toBeLessThan(deps.config.DRAFT_MIN_CONFIDENCE);
      expect(draft.reason).toMatch(/No knowledge-base article answers this/);
    }
  });

  it('answers an on-topic question from one article, without a runner-up section that fails the gate', async () => {
    const draft = await draftFor('When will my order arrive with express shipping?');
    expect(draft.state).toBe('answered');
    expect(draft.confidence).toBeGreaterThanOrEqual(deps.config.DRAFT_MIN_CONFIDENCE);
    expect(draft.citations.map((c) => c.title)).toEqual(['Shipping times']);
    expect(draft.bodyText).toContain('Express shipping arrives the next business day');
    expect(draft.bodyText).not.toContain('[2]');
    expect(draft.bodyText).not.toMatch(/refund/i);
    expect(draft.language).toBe('en');
  });

  it('reads a misspelt question as the KB words it misspells, and answers from their article', async () => {
    // "refnud" and "purchse" are no words the KB or English has; each is one edit from the
    // refund article's words. Searched as written, the question matches nothing of it.
    const draft = await draftFor('Can I get a refnud for my purchse?');
    expect(draft.state).toBe('answered');
    expect(draft.citations.map((c) => c.title)).toEqual(['Refund policy']);
  });

  it('corrects spelling by KB_SPELLING alone: with KB_SYNONYMS=off too, and not when off', async () => {
    const question = 'Can I get a refnud for my purchse?';
    const noSynonyms = await draftFor(question, {}, { ...deps, thesaurus: null });
    expect(noSynonyms.state).toBe('answered');
    expect(noSynonyms.citations.map((c) => c.title)).toEqual(['Refund policy']);
    const off = await draftFor(
      question,
      {},
      { ...deps, config: { ...deps.config, KB_SPELLING: 'off' } },
    );
    expect(off.citations.map((c) => c.title)).not.toEqual(['Refund policy']);
  });

  it('does not correct a question in another language', async () => {
    // Spelt right, the German question is answered from the English article; its slips
    // ("pasword", "resett") are not read as the KB's words: German is no misspelt English.
    const right = await draftFor(
      'Wie kann ich mein password reset? Ich habe es vergessen und komme nicht rein.',
    );
    expect(right.citations.map((c) => c.title)).toEqual(['Reset your password']);
    const misspelt = await draftFor(
      'Wie kann ich mein pasword resett? Ich habe es vergessen und komme nicht rein.',
    );
    expect(misspelt.state).toBe('abstained');
    // The same slips in an English question are read as the KB's words.
    const english = await draftFor('How can I resett my pasword? I forgot it and cannot sign in.');
    expect(english.citations.map((c) => c.title)).toEqual(['Reset your password']);
  });

  it("keeps inline code from article HTML and strips the article's forum chatter", async () => {
    const api = await draftFor('Where do I create an API key for my scripts?');
    expect(api.bodyText).toContain('`Authorization` header');
    const reset = await draftFor('I forgot my password and cannot log in, how do I reset it?');
    expect(reset.bodyText).toContain('To reset it:');
    expect(reset.bodyText).not.toMatch(/this worked for me|EDIT:/);
    expect(reset.bodyText).toContain('https://help.example.com/reset-password');
  });
});

describe("the customer's language", () => {
  it("falls back to the default language when a short text is unclear, and prefers the requester's earlier language", async () => {
    const short = await draftFor('refund?', { from: 'new@example.net' });
    expect(short.language).toBe('en');
    expect(short.bodyText.split('\n')[0]).toMatch(/^(Hi|Hello)/);
    // KB languages + default = en only: a German-looking one-liner cannot make a German greeting.
    const german = await draftFor('Passwort vergessen, bitte helfen Sie mir', {
      from: 'anna@example.de',
    });
    expect(german.language).toBe('en');

    // With German supported: a clear German text is German; a short unclear one from a requester
    // who wrote German before is German; from a new requester it is the default.
    const config = { SUPPORTED_LANGUAGES: ['en', 'de'], DEFAULT_LANGUAGE: 'en' };
    const earlier = await seedEmailTicket(deps.db, { from: 'anna@example.de', body: 'x' });
    await deps.db.update(tickets).set({ language: 'de' }).where(eq(tickets.id, earlier.ticketId));
    const resolve = (text: string, requesterEmail: string) =>
      resolveReplyLanguage(deps.db, config, {
        ticketId: randomUUID(),
        ticketLanguage: null,
        requesterEmail,
        text,
      });
    expect(
      await resolve(
        'Ich habe mein Passwort vergessen und kann mich nicht anmelden.',
        'x@example.net',
      ),
    ).toMatchObject({ language: 'de', source: 'detected' });
    expect(await resolve('ok, danke?', 'anna@example.de')).toMatchObject({
      language: 'de',
      source: 'requester',
    });
    // Unclear ("HP DeskJet 3755 Problem" is English or German): the requester's earlier language
    // wins over a weak reading; a clear English text wins over it.
    expect(await resolve('HP DeskJet 3755 Problem', 'anna@example.de')).toMatchObject({
      language: 'de',
      source: 'requester',
    });
    expect(
      await resolve('How do I change the billing address on my account?', 'anna@example.de'),
    ).toMatchObject({ language: 'en', source: 'detected' });
    // Unsure between Portuguese and Spanish, but clearly not English: not the English default.
    expect(
      await resolveReplyLanguage(
        deps.db,
        { SUPPORTED_LANGUAGES: ['en', 'es', 'pt'], DEFAULT_LANGUAGE: 'en' },
        {
          ticketId: randomUUID(),
          ticketLanguage: null,
          requesterEmail: 'new@example.net',
          text: 'Problema Urgente no Banco de Dados MySQL 8.0.30',
        },
      ),
    ).toMatchObject({ language: 'pt', source: 'detected' });
    expect(await resolve('ok?', 'someone@example.net')).toMatchObject({
      language: 'en',
      source: 'default',
    });
    expect(await detectLanguage('refund?')).toBeNull();
    expect(
      await detectLanguage('how do i change my billing address', ['en', 'de', 'fr', 'es', 'pt']),
    ).toBe('en');
  });
});

describe('Regenerate without an LLM', () => {
  it('obeys shorter / longer / more formal / exclude source, and reports identical output', async () => {
    const first = await draftFor(
      'I forgot my password and cannot log in, how do I reset it? The email never arrives.',
    );
    expect(first.state).toBe('answered');

    const shorter = await regenerate(first.id, 'shorter please');
    expect(shorter.regeneration).toMatchObject({ applied: ['shorter'], unchanged: false });
    expect(shorter.bodyText.length).toBeLessThan(first.bodyText.length);

    const formal = await regenerate(shorter.id, 'more formal');
    expect(formal.bodyText.split('\n')[0]).toMatch(/^Dear /);
    expect(formal.bodyText).toContain('Kind regards,');
    expect(formal.regeneration?.applied).toEqual(['more formal']);

    const same = await regenerate(formal.id, 'more formal');
    expect(same.regeneration).toMatchObject({ unchanged: true });

    const excluded = await regenerate(same.id, 'exclude source 1');
    expect(excluded.citations.map((c) => c.title)).not.toContain('Reset your password');
    expect(excluded.regeneration?.applied).toEqual(['exclude source 1']);

    const ignored = await regenerate(excluded.id, 'offer a phone call');
    expect(ignored.regeneration?.ignored).toEqual(['offer a phone call']);

    // Every version is kept.
    const versions = await listDraftsForTicket(deps.db, first.ticketId);
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(versions.filter((v) => v.status === 'pending_approval')).toHaveLength(1);
  });

  it("use article N quotes that article alone (the agent's call, even below the gate); exclude source N drops it", async () => {
    const first = await draftFor(
      'I want to cancel my subscription and get a refund for this month',
    );
    expect(first.citations.map((c) => c.title)).toEqual(['Cancel your subscription']);

    // N beyond the previous version's citations: the N-th ranked article.
    const second = await regenerate(first.id, 'please use article 2');
    expect(second.regeneration).toMatchObject({ applied: ['use article 2'], unchanged: false });
    expect(second.state).toBe('answered');
    expect(second.citations.map((c) => c.title)).toEqual(['Refund policy']);
    expect(second.bodyText).toContain('Request refund');
    expect(second.bodyText).not.toMatch(/Settings → Billing|cancel/i);

    // N naming a citation of the previous version: that article, so the same draft, said so.
    const same = await regenerate(second.id, 'use source 1');
    expect(same.regeneration).toMatchObject({ applied: ['use article 1'], unchanged: true });
    expect(same.citations.map((c) => c.title)).toEqual(['Refund policy']);

    const excluded = await regenerate(same.id, "don't use source 1");
    expect(excluded.regeneration).toMatchObject({
      applied: ['exclude source 1'],
      unchanged: false,
    });
    expect(excluded.citations.map((c) => c.title)).toEqual(['Cancel your subscription']);
    expect(excluded.bodyText).not.toContain('Request refund');

    // An abstained draft: the agent may still pick an article the gate turned down.
    const off = await draftFor('tell me a joke about penguins');
    expect(off.state).toBe('abstained');
    const picked = await regenerate(off.id, 'use article 2');
    expect(picked.state).toBe('answered');
    expect(picked.citations).toHaveLength(1);
    expect(picked.regeneration).toMatchObject({ applied: ['use article 2'], unchanged: false });
    // Excluding the only article the gate would consider leaves nothing grounded: abstained.
    const none = await regenerate(picked.id, 'exclude source 1');
    expect(none.state).toBe('abstained');
    expect(none.citations).toEqual([]);
  });

  it('next best: another grounded alternative than the previous version', async () => {
    const first = await draftFor('How long does a refund take to show up on my card?');
    const next = await regenerate(first.id, 'next best');
    expect(next.regeneration?.applied).toEqual(['next best']);
    expect(next.bodyText).not.toEqual(first.bodyText);
  });
});

describe('LLM drafts that fail the guards', () => {
  it('retries once, then falls back to the extractive draft; the attempts stay in the history and audit log', async () => {
    const { createLlamaGenerator } = await import('../../../src/models/generator/llama.js');
    const model = path.resolve(import.meta.dirname, '../../../../shared/models/stories260K.gguf');
    const generator = createLlamaGenerator({ modelPath: model, contextSize: 1024, threads: 1 });
    const withLlm = { ...deps, models: { ...deps.models, draftLlm: generator } };
    try {
      const { ticketId } = await seedEmailTicket(deps.db, {
        subject: 'Refund',
        body: 'How long does a refund take to show up on my card?',
      });
      await triageTicket(deps, { ticketId });
      const outcome = await draftReply(withLlm, { ticketId });
      if (outcome.status !== 'drafted') throw new Error(outcome.reason);
      const draft = outcome.draft;
      expect(draft.kind).toBe('extractive');
      expect(draft.status).toBe('pending_approval');
      expect(draft.guardFlags).toEqual(['llm_fallback']);
      expect(draft.reason).toMatch(/failed its checks twice/);
      const versions = await listDraftsForTicket(deps.db, ticketId);
      // The extractive draft was shown while the model wrote, then replaced by the fallback.
      expect(versions.map((v) => [v.kind, v.status, v.provisional])).toEqual([
        ['extractive', 'superseded', true],
        ['llm', 'superseded', false],
        ['llm', 'superseded', false],
        ['extractive', 'pending_approval', false],
      ]);
      const attempts = versions.filter((v) => v.kind === 'llm');
      expect(attempts).toHaveLength(2);
      for (const a of attempts) {
        expect(a.status).toBe('superseded');
        expect(a.guardFlags.length).toBeGreaterThan(0);
      }
      const audit = await listAiInteractions(deps.db, ticketId);
      expect(audit.filter((r) => r.step === 'draft.generate')).toHaveLength(2);
      expect(audit.some((r) => r.step === 'draft.extractive')).toBe(true);

      // No grounded passage, no LLM call: the gate comes first.
      const before = (await listAiInteractions(deps.db, ticketId)).length;
      const off = await seedEmailTicket(deps.db, {
        subject: '',
        body: 'tell me a joke about penguins',
      });
      await triageTicket(deps, { ticketId: off.ticketId });
      const abstained = await draftReply(withLlm, { ticketId: off.ticketId });
      if (abstained.status !== 'drafted') throw new Error(abstained.reason);
      expect(abstained.draft.state).toBe('abstained');
      const calls = await listAiInteractions(deps.db, off.ticketId);
      expect(calls.filter((r) => r.step === 'draft.generate')).toHaveLength(0);
      expect(before).toBeGreaterThan(0);
    } finally {
      await generator.close();
    }
  }, 120_000);
});
