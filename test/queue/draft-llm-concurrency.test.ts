import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/rows.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import { FakeLlmServer } from '../faults/support/fake-llm.js';
import { fileTestDeps, fileWorkers, importSampleKb } from '../support/fixtures.js';
import { waitFor } from '../support/redis-server.js';
import { seedEmailTicket } from '../support/tickets.js';

/**
 * DRAFT_LLM_CONCURRENCY: the draft workers keep exactly that many model calls in flight (the
 * server's slots), through the real configuration, queue, worker and OpenAI-compatible adapter.
 */
const llm = await FakeLlmServer.start();
afterAll(() => llm.close());
llm.streamDelayMs = 40; // ~13 words: about half a second per draft
const deps = await fileTestDeps({
  DRAFT_LLM: llm.url,
  DRAFT_LLM_MODEL: 'slotted-model',
  DRAFT_LLM_CONCURRENCY: '3',
  ZENDESK_WRITEBACK: 'false',
});
await importSampleKb(deps);
fileWorkers(deps);

describe('DRAFT_LLM_CONCURRENCY', () => {
  it('runs that many model drafts at once, and every ticket ends with the model draft', async () => {
    const ticketIds: string[] = [];
    for (let i = 0; i < 9; i++) {
      const { ticketId } = await seedEmailTicket(deps.db, { from: `c${i}@example.net` });
      ticketIds.push(ticketId);
    }
    // Triage enqueues the draft jobs (outbox → relay → draft workers).
    await Promise.all(ticketIds.map((ticketId) => triageTicket(deps, { ticketId })));
    const done = await waitFor(
      async () => {
        const rows = rowsOf<{ ticket_id: string; kinds: string[] }>(
          await deps.db.execute(sql`
            select ticket_id, array_agg(kind || ':' || status order by version) as kinds
            from drafts group by ticket_id`),
        );
        const finished = rows.filter((r) => r.kinds.at(-1) === 'llm:pending_approval');
        return finished.length === ticketIds.length ? rows : null;
      },
      { what: 'nine model drafts', timeoutMs: 45_000 },
    );
    expect(llm.maxInFlight).toBe(3);
    expect(llm.streamedRequests).toBe(9);
    // Each ticket showed its extractive draft first.
    for (const row of done)
      expect(row.kinds).toEqual(['extractive:superseded', 'llm:pending_approval']);
  }, 60_000);
});
