import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/rows.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import type { InboundDelivery } from '../../src/ingest/types.js';
import { eraseCustomer } from '../../src/privacy/erase.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

/**
 * Finding 9: erasure removes everything keyed by the person (address, name, phone), on other
 * tickets too; checked by searching every text column of the whole database afterwards.
 */
let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps.cleanup());

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
