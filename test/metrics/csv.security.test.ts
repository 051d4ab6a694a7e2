import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/metrics/csv.js';

/** Finding 7 / issue 16 item 5: CSV exports do not open as formulas in a spreadsheet. */
describe('CSV exports', () => {
  it.each(['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])(
    'escapes a cell starting like a formula: %j',
    (name) => {
      const csv = toCsv([{ category: name, tickets: 3 }]);
      const [, row] = parse(csv, { relax_column_count: true }) as string[][];
      expect(row?.[0]).toBe(`'${name}`);
      expect(row?.[1]).toBe('3');
    },
  );

  it('keeps numbers as numbers, negative ones and numeric strings included', () => {
    const csv = toCsv([{ delta: -3, rate: '-0.25', ok: true, none: null, tags: ['a'] }]);
    expect(csv).toBe('delta,rate,ok,none,tags\r\n-3,-0.25,true,,"[""a""]"\r\n');
  });

  it('round-trips any text through a CSV parser (formula cells gain only the quote)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom('-01', '-1.50', '-7', '=1', '@a')), {
          minLength: 1,
          maxLength: 5,
        }),
        (cells) => {
          const row = Object.fromEntries(cells.map((cell, i) => [`c${i}`, cell]));
          const [header, parsed] = parse(toCsv([row]), { relax_column_count: true }) as string[][];
          expect(header).toEqual(cells.map((_, i) => `c${i}`));
          cells.forEach((cell, i) => {
            const numeric = /^-\d+(\.\d+)?$/.test(cell) && String(Number(cell)) === cell;
            const risky = /^[=+\-@\t\r]/.test(cell) && !numeric;
            expect(parsed?.[i]).toBe(risky ? `'${cell}` : cell);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
