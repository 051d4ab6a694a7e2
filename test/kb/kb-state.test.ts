import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { perKbState } from '../../src/kb/kb-state.js';

describe('perKbState', () => {
  it('a background computation that fails keeps the previous value and is no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    let calls = 0;
    const derived = perKbState(async (_db: Db, value: string) => {
      calls++;
      if (value === 'fail') throw new Error('CONNECTION_ENDED');
      return value;
    }, 'empty');
    const db = {} as Db;
    expect(await derived(db, 'first', 'kb-1')).toBe('first');
    // The KB changed: the previous value serves while the new one is computed — and fails (the
    // database closed under it, as at the end of a test file or a shutdown).
    expect(await derived(db, 'fail', 'kb-2')).toBe('first');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
    // The next call computes again.
    expect(await derived(db, 'second', 'kb-2')).toBe('first');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await derived(db, 'third', 'kb-2')).toBe('second');
    expect(calls).toBe(3);
    process.off('unhandledRejection', record);
  });
});
