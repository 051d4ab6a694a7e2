import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getTriage, listAiInteractions, listCategories } from '../../../src/db/queries/triage.js';
import { acceptDelivery } from '../../../src/ingest/intake.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { fileTestDeps } from '../../support/fixtures.js';

const model = path.resolve(import.meta.dirname, '../../../../shared/models/stories260K.gguf');
const deps = await fileTestDeps({
  CLASSIFIER_LLM: model,
  LLM_CONTEXT_SIZE: '1024',
  // Treat the install as a cold start so the LLM tier is always consulted.
  TRIAGE_COLD_START_EXAMPLES: '100000',
});

describe('triage LLM tier (real node-llama-cpp on stories260K)', () => {
  it('asks the local model under a JSON schema, records both answers, and keeps a valid category', async () => {
    const intake = await acceptDelivery(deps.db, {
      source: 'api',
      dedupeKey: 'llm-tier-1',
      eventType: 'message',
      signature: { scheme: 'none' },
      ticket: {
        externalId: 'L-1',
        subject: 'Package lost',
        channel: 'api',
        requesterEmail: 'pat@example.com',
      },
      message: {
        authorKind: 'customer',
        bodyText: 'My parcel never arrived. My email is pat@example.com.',
      },
    });
    const outcome = await triageTicket(deps, { ticketId: intake.ticketId! });
    expect(outcome).not.toBeNull();
    const names = (await listCategories(deps.db)).map((c) => c.name);
    expect(names).toContain(outcome!.category);

    const interactions = await listAiInteractions(deps.db, intake.ticketId!);
    const steps = interactions.map((i) => i.step);
    expect(steps).toEqual(expect.arrayContaining(['triage.classify', 'triage.llm']));
    const llm = interactions.find((i) => i.step === 'triage.llm')!;
    expect(llm.model).toContain('stories260K');
    expect(llm.promptVersion).toBe('triage-classify.v1');
    expect(llm.completionTokens).toBeGreaterThan(0);
    // The schema's enum constrains a tiny random-ish model to a real category.
    expect(names).toContain((llm.output as { category: string }).category);
    const triage = await getTriage(deps.db, intake.ticketId!);
    expect(triage?.decidedBy).toBe('llm');
  }, 120_000);
});
