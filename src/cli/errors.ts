/** A mistake in what was typed (argument, flag, unknown id/team/role): one line, exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/**
 * node's parseArgs explains an unknown option with advice about positionals starting with '-',
 * which is never what happened when someone misspells a flag. Keep its first sentence and name
 * the closest known flag instead.
 */
export function unknownOptionMessage(err: unknown, known: readonly string[]): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const typed = /^Unknown option '(--?[^']+)'/.exec(message)?.[1];
  if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !typed) return message;
  const name = typed.replace(/^--?/, '');
  const best = closest(name, known);
  return best ? `Unknown option '${typed}'. Did you mean --${best}?` : `Unknown option '${typed}'.`;
}

/** The known name within edit distance 2 (a typo, a swapped pair), or none. */
function closest(typed: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const d = editDistance(typed, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

// Damerau-Levenshtein (optimal string alignment) on flag names of a few characters: ten lines
// here rather than a dependency.
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
