import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client.js';
import { initdbInChild } from '../../src/db/initdb.js';

describe('initdbInChild', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'deskpilot-initdb-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates a new store in a child process and moves it into an empty directory', async () => {
    const dir = path.join(root, 'empty');
    mkdirSync(dir);
    expect(await initdbInChild(dir)).toBe(true);
    expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
    // Closed cleanly by the child, and nothing left beside it.
    expect(existsSync(path.join(dir, 'postmaster.pid'))).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['empty']);
    // A store already there is left alone.
    expect(await initdbInChild(dir)).toBe(false);
  }, 180_000);

  it('is how a new store on disk is made: the process opens what the child created', async () => {
    const dir = path.join(root, 'new', 'pglite');
    const database = await createDatabase({ pgliteDataDir: dir });
    try {
      expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
      expect(existsSync(`${dir}.initdb`)).toBe(false);
      const result = (await database.db.execute(sql`select 1 as one`)) as unknown as {
        rows: { one: number }[];
      };
      expect(result.rows).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  }, 180_000);

  it('leaves a directory with anything in it to PGlite', async () => {
    const dir = path.join(root, 'used');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'stray'), '');
    expect(await initdbInChild(dir)).toBe(false);
    expect(readdirSync(dir)).toEqual(['stray']);
  });
});
