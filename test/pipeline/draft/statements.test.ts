import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseRoundTrips } from '../../../src/db/client.js';
import { getTicket } from '../../../src/db/queries/tickets.js';
import { draftReply } from '../../../src/pipeline/draft/draft.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { importSampleKb } from '../../support/fixtures.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * Statements per ticket in the worker's triage and draft steps, once the knowledge base's
 * per-state work (its baseline, the spelling vocabulary, the reply languages) is done: each
 * statement is a round trip a busy worker waits on (issue #18, docs/scaling.md).
 */
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
  await importSampleKb(deps);
});
afterAll(async () => {
  await deps.cleanup();
});

async function triageAndDraft(from: string) {
  const { ticketId } = await seedEmailTicket(deps.db, {
    from,
    subject: 'Forgot my password',
    body: 'I cannot log in, how do I reset my password?',
  });
  let before = databaseRoundTrips();
  await triageTicket(deps, { ticketId });
  const triage = databaseRoundTrips() - before;
  before = databaseRoundTrips();
  const outcome = await draftReply(deps, { ticketId });
  const draft = databaseRoundTrips() - before;
  return { ticketId, outcome, triage, draft };
}

describe('statements per ticket, triage and draft', () => {
  it('triage reads once and writes once; the draft step reads its context, retrieves and writes in 3', async () => {
    // The first ticket pays for the KB state's work (the confidence baseline and the rest).
    await triageAndDraft('warm-up@example.net');
    const { ticketId, outcome, triage, draft } = await triageAndDraft('counted@example.net');
    expect(outcome.status).toBe('drafted');
    // The ticket context (ticket, messages, triage, newest draft, settings version, KB
    // signature), then the triage row with its audit rows, event and draft job.
    expect(triage).toBe(2);
    // The ticket context again (the draft job's own view: the ticket may have changed since
    // triage), the search (both sides, the candidates' passages and the query's word statistics
    // for the confidence), and the draft with its bookkeeping.
    expect(draft).toBe(3);
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('pending');
  });
});
