import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../src/db/schema/messages.js';
import { createLogger } from '../src/log.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

/** Logs never carry customer text, even when a database error quotes it. */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', 'test', stream), text: () => lines.join('') };
}

const SECRET = 'my card 4111 1111 1111 1111 was charged twice';

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the query to fail');
}

describe('error logging', () => {
  it('drops query parameters and constraint details from a failed insert', async () => {
    const err = await failure(() =>
      database.db.insert(messages).values({
        ticketId: '00000000-0000-4000-8000-000000000000',
        direction: 'inbound',
        authorKind: 'customer',
        bodyText: SECRET,
        strippedText: SECRET,
      }),
    );
    // The raw error does carry the text: this is what the serializer is for.
    expect(JSON.stringify({ m: (err as Error).message })).toContain('4111');
    const { log, text } = capture();
    log.error({ err }, 'request failed');
    expect(text()).toContain('request failed');
    expect(text()).not.toContain('4111');
    expect(text()).not.toContain('charged twice');
  });

  it('scrubs values Postgres quotes in its own messages', async () => {
    const err = await failure(() => database.db.execute(sql`select ${SECRET}::int`));
    const { log, text } = capture();
    log.error({ err }, 'job failed');
    log.warn({ err: (err as Error).message }, 'job failed (message only)');
    expect(text()).not.toContain('4111');
    expect(text()).toMatch(/"code":"22P02"|invalid input syntax/);
  });
});
