import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexEvalCorpus } from '../../../src/kb/eval.js';
import { parseArticlesJsonl } from '../../../src/kb/sources/jsonl.js';
import { type AgentApp, startAgentApp } from '../../support/agent-app.js';
import { pageText } from '../../support/page-text.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * The ticket page's knowledge-base panel reads misspelt words as the KB's, as drafts do, and says
 * so with a way back to the query as typed. Real Postgres.
 */
let agentApp: AgentApp;
let ticketId: string;

beforeAll(async () => {
  agentApp = await startAgentApp();
  const fixtures = path.resolve(import.meta.dirname, '../../fixtures/draft-eval');
  const docs = parseArticlesJsonl(readFileSync(path.join(fixtures, 'docs.jsonl'), 'utf8'));
  await indexEvalCorpus(agentApp.deps.db, docs, agentApp.deps.embedders[0]!);
  ({ ticketId } = await seedEmailTicket(agentApp.deps.db, { subject: 'Money back', body: 'hi' }));
});
afterAll(() => agentApp?.close());

describe('the ticket page KB panel', () => {
  it('shows results for the corrected query, with "search instead for" the one typed', async () => {
    const q = encodeURIComponent('refnud purchse');
    for (const url of [
      `/app/tickets/${ticketId}?kbq=${q}`,
      `/app/tickets/${ticketId}/kb?kbq=${q}`,
    ]) {
      const html = await agentApp.page(url);
      const text = pageText(html);
      expect(text).toContain(
        'Showing results for “refund purchase”. Search instead for “refnud purchse”',
      );
      expect(text).toContain('Refund policy');
      expect(html).toContain(`/app/tickets/${ticketId}/kb?kbq=refnud%20purchse&amp;kbspell=off`);
    }
    const asTyped = pageText(
      await agentApp.page(`/app/tickets/${ticketId}/kb?kbq=${q}&kbspell=off`),
    );
    expect(asTyped).not.toContain('Showing results for');
    // Nothing reads the query as corrected.
    expect(asTyped).not.toContain('refund purchase');
  });

  it('says nothing when the query was searched as typed', async () => {
    const text = pageText(await agentApp.page(`/app/tickets/${ticketId}/kb?kbq=refund`));
    expect(text).not.toContain('Showing results for');
    expect(text).toContain('Refund policy');
  });

  it('opens with what the subject finds, before the agent searches', async () => {
    const { ticketId: refund } = await seedEmailTicket(agentApp.deps.db, {
      subject: 'Refund for my purchase',
      body: 'hi',
    });
    const text = pageText(await agentApp.page(`/app/tickets/${refund}`));
    expect(text).toContain('Refund policy');
  });
});
