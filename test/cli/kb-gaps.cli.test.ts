import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDraft, transitionDraft } from '../../src/db/queries/drafts.js';
import { messages } from '../../src/db/schema/messages.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { seedEmailTicket } from '../support/tickets.js';

/**
 * `cli kb gaps` as a manager runs it, against a real Postgres database seeded with abstained
 * drafts: the topics come out as JSON and as CSV, `--since` bounds the window, a bad flag is a
 * usage error.
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const day = 86_400_000;
let testDb: TestDatabase;

const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'kb', 'gaps', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: testDb.url, LOG_LEVEL: 'silent' },
    timeout: 120_000,
  });

/** A ticket whose latest draft abstained (or was rejected as wrong) `daysAgo` days ago. */
async function gapTicket(
  subject: string,
  body: string,
  daysAgo: number,
  why: 'abstained' | 'wrong' = 'abstained',
) {
  const { ticketId } = await seedEmailTicket(testDb.db, { subject, body });
  // The draft answers the customer's message: the report quotes it.
  const [message] = await testDb.db
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.ticketId, ticketId));
  const draft = await insertDraft(testDb.db, {
    ticketId,
    messageId: message!.id,
    kind: why === 'abstained' ? 'no_answer' : 'extractive',
    state: why === 'abstained' ? 'abstained' : 'answered',
    bodyText: 'Hello',
    model: 'test',
  });
  if (why === 'wrong') {
    await transitionDraft(
      testDb.db,
      draft.id,
      { status: 'pending_approval' },
      { status: 'rejected', rejectReason: 'Wrong answer: quotes the refund article' },
    );
  }
  const createdAt = new Date(Date.now() - daysAgo * day).toISOString();
  await testDb.db.execute(
    sql`update drafts set created_at = ${createdAt}::timestamptz where id = ${draft.id}`,
  );
  return ticketId;
}

describe.runIf(usingPostgres())('cli kb gaps', () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    testDb = await createTestDatabase();
    ids.vat1 = await gapTicket(
      'Invoice VAT number',
      'How do I add my VAT number to the invoice?',
      20,
    );
    ids.vat2 = await gapTicket(
      'VAT on invoices',
      'My invoice is missing our VAT number',
      5,
      'wrong',
    );
    ids.vat3 = await gapTicket('invoice vat', 'Can you put our VAT number on the invoice?', 2);
    ids.dark = await gapTicket('Dark mode', 'Is there a dark mode in the mobile app?', 3);
    // Outside the default 30-day window.
    ids.gift = await gapTicket('Gift cards', 'Do you sell gift cards?', 45);
    // Answered and still pending: not a gap.
    const { ticketId } = await seedEmailTicket(testDb.db, {
      subject: 'Password',
      body: 'How do I reset my password?',
    });
    await insertDraft(testDb.db, { ticketId, kind: 'extractive', bodyText: 'Hi', model: 'test' });
  });
  afterAll(async () => {
    await testDb?.destroy();
  });

  it('prints the topics as one JSON document (default window 30 days)', async () => {
    const { stdout, stderr } = await cli();
    expect(stderr).toBe('');
    const report = JSON.parse(stdout);
    expect(report.tickets).toBe(4);
    expect(new Date(report.until).getTime() - new Date(report.since).getTime()).toBe(30 * day);
    expect(report.topics.map((t: { count: number }) => t.count)).toEqual([3, 1]);
    const [vat, dark] = report.topics;
    expect(vat).toMatchObject({ count: 3, abstained: 2, rejected: 1, trend: 1 });
    expect(vat.terms).toEqual(expect.arrayContaining(['vat']));
    expect(vat.examples.map((e: { ticketId: string }) => e.ticketId)).toEqual([
      ids.vat3,
      ids.vat2,
      ids.vat1,
    ]);
    expect(vat.examples[0]).toMatchObject({
      subject: 'invoice vat',
      excerpt: 'Can you put our VAT number on the invoice?',
    });
    expect([...vat.ticketIds].sort()).toEqual([ids.vat1, ids.vat2, ids.vat3].sort());
    expect(dark).toMatchObject({ count: 1, abstained: 1, rejected: 0, ticketIds: [ids.dark] });
    expect(stdout).not.toMatch(/gift|password/i);
  }, 180_000);

  it('--since widens the window; --format csv prints one row per topic', async () => {
    const wide = JSON.parse((await cli('--since', '8w')).stdout);
    expect(wide.tickets).toBe(5);
    expect(wide.topics.map((t: { count: number }) => t.count)).toEqual([3, 1, 1]);

    const { stdout } = await cli('--since', '30d', '--format', 'csv');
    expect(stdout.split('\r\n')[0]).toBe(
      'topic,tickets,trend,abstained,rejected,examples,ticket_ids',
    );
    const rows = parse(stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      tickets: '3',
      trend: '1',
      abstained: '2',
      rejected: '1',
      examples: 'invoice vat | VAT on invoices | Invoice VAT number',
    });
    expect(rows[0]!.topic).toMatch(/vat/);
    expect(rows[0]!.ticket_ids!.split(' ').sort()).toEqual([ids.vat1, ids.vat2, ids.vat3].sort());
    expect(rows[1]).toMatchObject({ tickets: '1', examples: 'Dark mode', ticket_ids: ids.dark });
  }, 180_000);

  it('a bad --format or --since is a usage error that prints nothing', async () => {
    const badFormat = await cli('--format', 'xml').catch((e: unknown) => e);
    expect(badFormat).toMatchObject({ code: 2, stdout: '' });
    expect((badFormat as { stderr: string }).stderr).toContain(
      '--format must be json or csv (got xml)',
    );
    const badSince = await cli('--since', 'a month').catch((e: unknown) => e);
    expect(badSince).toMatchObject({ code: 2, stdout: '' });
    expect((badSince as { stderr: string }).stderr).toContain('expected a duration such as 30d');
  }, 180_000);
});
