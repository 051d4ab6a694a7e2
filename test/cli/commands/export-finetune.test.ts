import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFinetune } from '../../../src/cli/commands/export-finetune.js';
import { kbImport } from '../../../src/cli/commands/kb-import.js';
import { getDeliveryForDraft } from '../../../src/db/queries/drafts.js';
import { kbArticles } from '../../../src/db/schema/kb-articles.js';
import { aiInteractions } from '../../../src/db/schema/triage.js';
import { deliver } from '../../../src/pipeline/deliver/deliver.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { processDraft } from '../../../src/queue/processors/draft.js';
import { agentActor } from '../../support/drafts.js';
import { fileTestMailApp } from '../../support/fixtures.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * The fine-tuning export and the record of every model call name knowledge-base articles by the
 * ids the team imported them with (here a JSONL export of their help center), as citations do —
 * not by Deskpilot's internal row ids.
 */
const { deps } = await fileTestMailApp();
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-finetune-'));

const articles = [
  {
    id: 'HC-4711',
    title: 'How refunds work',
    url: 'https://help.example.com/articles/4711',
    body: 'Refunds are issued to the original payment method. A refund appears on your card statement within 5 to 10 business days after we approve it.',
  },
  {
    id: 'HC-9001',
    title: 'Shipping times',
    url: 'https://help.example.com/articles/9001',
    body: 'Standard shipping takes 3 to 5 business days. Express shipping arrives the next business day.',
  },
];

beforeAll(async () => {
  const file = path.join(dir, 'help-center.jsonl');
  writeFileSync(file, `${articles.map((a) => JSON.stringify(a)).join('\n')}\n`);
  await kbImport(deps.db, file);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

describe('imported article ids in exports and ai_interactions', () => {
  it('export finetune and the draft step’s inputRefs carry HC-4711, not internal ids', async () => {
    const internal = await deps.db
      .select({ id: kbArticles.id, externalId: kbArticles.externalId })
      .from(kbArticles);
    const refundsInternalId = internal.find((a) => a.externalId === 'HC-4711')?.id;
    expect(refundsInternalId).toBeTruthy();

    const { ticketId } = await seedEmailTicket(deps.db, {
      from: 'refund-ids@example.net',
      subject: 'Refund',
      body: 'How long does a refund take to appear on my card statement?',
    });
    await triageTicket(deps, { ticketId });
    const { draftId } = (await processDraft(deps, { ticketId }, {} as never)) as {
      draftId: string;
    };

    // What the model (here the extractive composer) was given, by the team's own ids.
    const calls = await deps.db
      .select()
      .from(aiInteractions)
      .where(eq(aiInteractions.ticketId, ticketId));
    const drafting = calls.find((c) => c.step === 'draft.extractive');
    expect(drafting?.inputRefs.articles).toEqual(['HC-4711']);
    expect(JSON.stringify(drafting?.inputRefs)).not.toContain(refundsInternalId!);

    const approved = await approveDraft(deps, { draftId, actor: agentActor('agent-ids') });
    expect(approved.ok).toBe(true);
    const delivery = (await getDeliveryForDraft(deps.db, draftId))!;
    expect(await deliver(deps, delivery.id, { finalAttempt: false })).toBe('sent');

    const out = path.join(dir, 'ft.jsonl');
    expect(await exportFinetune(deps.db, { since: new Date(Date.now() - 3_600_000), out })).toBe(1);
    const record = JSON.parse(readFileSync(out, 'utf8').trim()) as {
      messages: { role: string }[];
      metadata: { sources: { index: number; articleId: string; url: string; title: string }[] };
    };
    expect(record.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(record.metadata.sources).toEqual([
      {
        index: 1,
        articleId: 'HC-4711',
        url: 'https://help.example.com/articles/4711',
        title: 'How refunds work',
      },
    ]);
    expect(JSON.stringify(record)).not.toContain(refundsInternalId!);
  });
});
