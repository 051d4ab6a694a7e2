import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { unknownOptionMessage } from '../../src/cli/errors.js';

const known = ['email', 'role', 'name', 'team', 'new-team', 'password', 'help'];

function parseError(args: string[]): unknown {
  try {
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: Object.fromEntries(known.map((k) => [k, { type: 'string' as const }])),
    });
  } catch (err) {
    return err;
  }
  throw new Error('expected parseArgs to refuse');
}

describe('unknownOptionMessage', () => {
  it.each([
    [['--emial', 'x'], "Unknown option '--emial'. Did you mean --email?"],
    [['--rol', 'x'], "Unknown option '--rol'. Did you mean --role?"],
    [['--newteam'], "Unknown option '--newteam'. Did you mean --new-team?"],
    [['--passwrod', 'x'], "Unknown option '--passwrod'. Did you mean --password?"],
  ])('%j names the flag meant', (args, message) => {
    expect(unknownOptionMessage(parseError(args), known)).toBe(message);
  });

  it('suggests nothing when no flag is close, and drops the advice about positionals', () => {
    const message = unknownOptionMessage(parseError(['--format', 'json']), known);
    expect(message).toBe("Unknown option '--format'.");
  });

  it('passes other parse errors through unchanged', () => {
    const err = parseError(['--email']);
    expect(unknownOptionMessage(err, known)).toBe((err as Error).message);
  });
});
