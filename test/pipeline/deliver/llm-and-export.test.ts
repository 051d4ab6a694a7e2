import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFinetune } from '../../../src/cli/commands/export-finetune.js';
import {
  getDeliveryForDraft,
  getDraft,
  listDraftsForTicket,
} from '../../../src/db/queries/drafts.js';
import { autoSendPolicies } from '../../../src/db/schema/drafts.js';
import { deliver } from '../../../src/pipeline/deliver/deliver.js';
import { draftReply } from '../../../src/pipeline/draft/draft.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { decideAutoSend } from '../../../src/pipeline/review/auto-send.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { agentActor } from '../../support/drafts.js';
import { importSampleKb } from '../../support/fixtures.js';
import { parseReceived, TestSmtpServer } from '../../support/smtp-server.js';
import { seedEmailTicket } from '../../support/tickets.js';

const model = path.resolve(import.meta.dirname, '../../../../shared/models/stories260K.gguf');
let smtp: TestSmtpServer;
let deps: TestDeps;
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-export-'));

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  deps = await createTestDeps({
    SMTP_URL: `${smtp.url()}?pool=false`,
    DRAFT_LLM: model,
    LLM_CONTEXT_SIZE: '2048',
    LLM_THREADS: '1',
    VIP_DOMAINS: 'bigcustomer.example',
  });
  await importSampleKb(deps);
});
afterAll(async () => {
  await deps.cleanup();
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LLM draft → edit → approve → one email; then the fine-tuning export', () => {
  it('delivers the agent-edited version of a real LLM draft exactly once', async () => {
    const { ticketId, messageId } = await seedEmailTicket(deps.db, {
      body: 'How long does a refund take? My card is 4111 1111 1111 1111.',
    });
    await triageTicket(deps, { ticketId });
    const outcome = await draftReply(deps, { ticketId });
    if (outcome.status !== 'drafted') throw new Error('not drafted');
    // The tiny model's text fails the guards twice: the draft to approve is the extractive
    // fallback, the model's attempts stay in the version history.
    expect(outcome.draft.kind).toBe('extractive');
    expect(outcome.draft.guardFlags).toEqual(['llm_fallback']);
    const attempts = (await listDraftsForTicket(deps.db, ticketId)).filter((d) => d.kind === 'llm');
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts[0]!.model).toContain('stories260K');
    expect(attempts[0]!.promptVersion).toBe('draft-reply.v2');
    const fixed =
      'Hi Robin, refunds appear on your statement within 5 to 10 business days [1]. Best regards, Support team';
    const approved = await approveDraft(deps, {
      draftId: outcome.draft.id,
      actor: agentActor('agent-7'),
      finalText: fixed,
    });
    expect(approved.ok).toBe(true);
    const delivery = await getDeliveryForDraft(deps.db, outcome.draft.id);
    expect(await deliver(deps, delivery!.id, { finalAttempt: false })).toBe('sent');
    expect(await deliver(deps, delivery!.id, { finalAttempt: false })).toBe('sent');
    expect(smtp.received).toHaveLength(1);
    const mail = await parseReceived(smtp.received[0]!);
    expect(mail.text?.trim()).toBe(fixed);
    expect(mail.inReplyTo).toBe(`<${messageId}>`);
    expect((await getDraft(deps.db, outcome.draft.id))?.status).toBe('sent');

    const out = path.join(dir, 'ft.jsonl');
    expect(await exportFinetune(deps.db, { since: new Date(Date.now() - 3_600_000), out })).toBe(1);
    const [line] = readFileSync(out, 'utf8').trim().split('\n');
    const record = JSON.parse(line!) as { messages: { role: string; content: string }[] };
    expect(record.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(record.messages[1]!.content).toContain('How long does a refund take?');
    expect(record.messages[1]!.content).not.toContain('4111');
    expect(record.messages[2]!.content).toBe(fixed);
    expect(await exportFinetune(deps.db, { since: new Date(Date.now() + 3_600_000), out })).toBe(0);
  }, 120_000);

  it('never auto-sends a VIP’s first contact, even with a policy that would allow it', async () => {
    await deps.db.insert(autoSendPolicies).values({
      category: 'refund',
      enabled: true,
      minConfidence: 0,
      minUnchangedRate: 0,
      minSample: 0,
    });
    await deps.db
      .insert(autoSendPolicies)
      .values({
        category: 'billing',
        enabled: true,
        minConfidence: 0,
        minUnchangedRate: 0,
        minSample: 0,
      })
      .onConflictDoNothing();
    const { ticketId } = await seedEmailTicket(deps.db, {
      from: 'ceo@bigcustomer.example',
      body: 'How long do refunds take?',
    });
    await triageTicket(deps, { ticketId });
    const outcome = await draftReply(deps, { ticketId });
    if (outcome.status !== 'drafted') throw new Error('not drafted');
    // Treat the tiny model's draft as clean so that only the VIP rule can stop it.
    const decision = await decideAutoSend(deps, {
      ...outcome.draft,
      needsHuman: false,
      guardFlags: [],
    });
    expect(decision).toEqual({ send: false, reason: 'first contact from a VIP' });
  }, 120_000);
});
