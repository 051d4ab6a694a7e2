import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { insertDraft } from '../../src/db/queries/drafts.js';
import {
  getTriage,
  insertAiInteraction,
  saveTriage,
  upsertCorrectionExample,
} from '../../src/db/queries/triage.js';
import { rowsOf } from '../../src/db/rows.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import type { InboundDelivery } from '../../src/ingest/types.js';
import { eraseCustomer } from '../../src/privacy/erase.js';
import { fileTestDeps } from '../support/fixtures.js';

/**
 * Finding 9: erasure removes everything keyed by the person (address, name, phone), on other
 * tickets too; checked by searching every text column of the whole database afterwards.
 */
const deps = await fileTestDeps();

const delivery = (id: string, email: string, name: string, body: string): InboundDelivery => ({
  source: 'email',
  dedupeKey: `erase-${id}`,
  eventType: 'email.raw',
  signature: { scheme: 'none' },
  ticket: { subject: 'Order', requesterEmail: email, requesterName: name, channel: 'email' },
  message: { authorKind: 'customer', authorEmail: email, authorName: name, bodyText: body },
});

async function occurrences(needle: string): Promise<string[]> {
  const columns = rowsOf<{ table_name: string; column_name: string }>(
    await deps.db.execute(sql`
      select table_name, column_name from information_schema.columns
       where table_schema = current_schema() and data_type in ('text', 'jsonb', 'character varying', 'ARRAY')`),
  );
  const found: string[] = [];
  for (const c of columns) {
    const [row] = rowsOf<{ n: number }>(
      await deps.db.execute(
        sql`select count(*)::int as n from ${sql.identifier(c.table_name)} where position(lower(${needle}) in lower(${sql.identifier(c.column_name)}::text)) > 0`,
      ),
    );
    if (row!.n > 0) found.push(`${c.table_name}.${c.column_name}`);
  }
  return found;
}

describe('erasure, searched afterwards', () => {
  it("leaves no trace of the person's address, name or phone anywhere", async () => {
    await acceptDelivery(
      deps.db,
      delivery(
        '1',
        'zora.quill@example.org',
        'Zora Quillfeather',
        'Call me on +44 20 7946 0958 please.',
      ),
    );
    await acceptDelivery(
      deps.db,
      delivery(
        '2',
        'colleague@example.org',
        'Colleague',
        'My colleague Zora Quillfeather (zora.quill@example.org, +44 20 7946 0958) has the same problem.',
      ),
    );
    const report = await eraseCustomer(deps.db, 'Zora.Quill@example.org', { kind: 'system' });
    expect(report.tickets).toBe(1);
    for (const needle of ['zora.quill@example.org', 'Quillfeather', '7946 0958']) {
      expect(await occurrences(needle), needle).toEqual([]);
    }
    // The colleague's own ticket stays.
    expect(await occurrences('colleague@example.org')).not.toEqual([]);
  });
});

describe('erasure of derived rows (model-call audit, training labels, drafts)', () => {
  it('rewrites model calls and other derived rows that quote the person, in the same transaction', async () => {
    const own = await acceptDelivery(
      deps.db,
      delivery('3', 'ida.marsh@example.net', 'Ida Marshwood', 'Ring +44 20 7946 0321 any time.'),
    );
    const other = await acceptDelivery(
      deps.db,
      delivery(
        '4',
        'lead@example.net',
        'Team Lead',
        'Ida Marshwood (Ida.Marsh@example.net, +44 20 7946 0321) cannot sign in either.',
      ),
    );
    const otherId = other.ticketId!;
    // What model calls on the colleague's ticket recorded: an LLM's answer quoting the message,
    // a failed generation whose error echoed the text, and an unrelated call that must stay as is.
    await insertAiInteraction(deps.db, {
      ticketId: otherId,
      step: 'triage.llm',
      model: 'test-llm',
      inputRefs: { messageId: null },
      output: {
        category: 'account',
        reason: 'Ida Marshwood (+44 20 7946 0321) cannot sign in',
        quotes: ['contact IDA.MARSH@example.net', 42],
      },
      latencyMs: 5,
    });
    await insertAiInteraction(deps.db, {
      ticketId: otherId,
      step: 'draft.generate',
      model: 'test-llm',
      inputRefs: { attempt: 1, note: 'reply to ida.marsh@example.net' },
      output: 'Hello Ida Marshwood, we will call +44 20 7946 0321.',
      latencyMs: 7,
    });
    const untouched = { label: 'account', confidence: 0.9, scores: { account: 0.9 } };
    await insertAiInteraction(deps.db, {
      ticketId: otherId,
      step: 'triage.classify',
      model: 'classifier-v1',
      inputRefs: { textSha256: 'abc' },
      output: untouched,
      latencyMs: 1,
    });
    // A call recorded without a ticket (an evaluation run) and one on the person's own ticket.
    await insertAiInteraction(deps.db, {
      ticketId: null,
      step: 'eval.triage',
      model: 'test-llm',
      inputRefs: { sample: 'Ida Marshwood wrote from ida.marsh@example.net' },
      output: { label: 'account' },
      latencyMs: 1,
    });
    await insertAiInteraction(deps.db, {
      ticketId: own.ticketId!,
      step: 'triage.llm',
      model: 'test-llm',
      inputRefs: {},
      output: { reason: 'Ida Marshwood asks for a call' },
      latencyMs: 1,
    });
    // The colleague's ticket was corrected (the label keeps the classified text) and drafted.
    await upsertCorrectionExample(deps.db, {
      ticketId: otherId,
      text: 'Order\nIda Marshwood ([EMAIL_1], [PHONE_1]) cannot sign in either.',
      label: 'account',
    });
    await insertDraft(deps.db, {
      ticketId: otherId,
      kind: 'llm',
      bodyText: 'Hi, we have reset the account of Ida Marshwood as well.',
      model: 'test-llm',
    });

    const report = await eraseCustomer(deps.db, 'ida.marsh@example.net', { kind: 'system' });
    expect(report.tickets).toBe(1);
    expect(report.derivedRowsRedacted).toBe(5);
    for (const needle of ['ida.marsh@example.net', 'Marshwood', '7946 0321']) {
      expect(await occurrences(needle), needle).toEqual([]);
    }
    const calls = rowsOf<{ step: string; input_refs: unknown; output: unknown }>(
      await deps.db.execute(
        sql`select step, input_refs, output from ai_interactions where ticket_id = ${otherId} or ticket_id is null order by step`,
      ),
    );
    expect(calls).toEqual([
      {
        step: 'draft.generate',
        input_refs: { attempt: 1, note: 'reply to [erased]' },
        output: 'Hello [erased], we will call [erased].',
      },
      {
        step: 'eval.triage',
        input_refs: { sample: '[erased] wrote from [erased]' },
        output: { label: 'account' },
      },
      { step: 'triage.classify', input_refs: { textSha256: 'abc' }, output: untouched },
      {
        step: 'triage.llm',
        input_refs: { messageId: null },
        output: {
          category: 'account',
          reason: '[erased] ([erased]) cannot sign in',
          quotes: ['contact [erased]', 42],
        },
      },
    ]);
    // The person's own ticket took its model calls with it.
    expect(
      rowsOf<{ n: number }>(
        await deps.db.execute(
          sql`select count(*)::int as n from ai_interactions where ticket_id = ${own.ticketId!}`,
        ),
      )[0]!.n,
    ).toBe(0);
    expect(await occurrences('lead@example.net')).not.toEqual([]);
  });
});

describe('erasure of single name words in derived rows', () => {
  it('drops triage terms that name the person by one word of their name; prose keeps lone words', async () => {
    await acceptDelivery(
      deps.db,
      delivery('5', 'anna.kowalski@example.com', 'Anna Kowalski', 'My export fails.'),
    );
    const other = await acceptDelivery(
      deps.db,
      delivery(
        '6',
        'manager@example.com',
        'Annabelle Brook',
        'Kowalski from finance says the export fails. Anna tried twice; see the announcement.',
      ),
    );
    const otherId = other.ticketId!;
    // What triage picked out of the colleague's text: its salient terms, among them the name.
    const explanation = [
      { term: 'export', weight: 0.9 },
      { term: 'kowalski', weight: 0.7 },
      { term: 'kowalski … finance', weight: 0.5 },
      { term: 'anna', weight: 0.4 },
      { term: 'announcement', weight: 0.3 },
      { term: 'annabelle', weight: 0.2 },
    ];
    const decision = {
      value: 'bug',
      decidedBy: 'classifier' as const,
      confidence: 0.8,
      modelVersion: 1,
      override: null,
      reasons: [],
      explanation,
    };
    await saveTriage(deps.db, {
      ticketId: otherId,
      category: 'bug',
      confidence: 0.8,
      decidedBy: 'classifier',
      priority: 'normal',
      sentiment: 'neutral',
      fields: { category: decision, type: { ...decision, value: 'Incident' } },
    });
    await upsertCorrectionExample(deps.db, {
      ticketId: otherId,
      text: 'Order\nKowalski from finance says the export fails. ANNA tried twice.',
      label: 'bug',
    });
    await insertDraft(deps.db, {
      ticketId: otherId,
      kind: 'llm',
      bodyText: 'Hi Annabelle, we are looking into the export for Mr. Kowalski.',
      model: 'test-llm',
    });
    await insertAiInteraction(deps.db, {
      ticketId: otherId,
      step: 'triage.llm',
      model: 'test-llm',
      inputRefs: {},
      output: { reason: 'kowalski reports a failing export' },
      latencyMs: 1,
    });

    const report = await eraseCustomer(deps.db, 'anna.kowalski@example.com', { kind: 'system' });
    expect(report.tickets).toBe(1);
    // Only the triage row: prose keeps lone words (a name of common words would rewrite them all).
    expect(report.derivedRowsRedacted).toBe(1);
    const kept = [
      { term: 'export', weight: 0.9 },
      { term: 'announcement', weight: 0.3 },
      { term: 'annabelle', weight: 0.2 },
    ];
    const triage = await getTriage(deps.db, otherId);
    expect(triage!.fields.category!.explanation).toEqual(kept);
    expect(triage!.fields.type).toMatchObject({ value: 'Incident', explanation: kept });
    const derived = rowsOf<{ text: string; body_text: string; output: unknown }>(
      await deps.db.execute(sql`
        select (select text from training_examples where ticket_id = ${otherId}) as text,
               (select body_text from drafts where ticket_id = ${otherId}) as body_text,
               (select output from ai_interactions where ticket_id = ${otherId}) as output`),
    )[0]!;
    expect(derived).toEqual({
      text: 'Order\nKowalski from finance says the export fails. ANNA tried twice.',
      body_text: 'Hi Annabelle, we are looking into the export for Mr. Kowalski.',
      output: { reason: 'kowalski reports a failing export' },
    });
  });
});
