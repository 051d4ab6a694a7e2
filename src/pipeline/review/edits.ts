import { createTwoFilesPatch } from 'diff';

const words = (text: string) => text.match(/\S+/g) ?? [];

/**
 * Word-level Levenshtein distance (insertions, deletions, substitutions of whole words). Written
 * here because the string-distance libraries work on characters; two rows of a DP over at most a
 * few hundred words each is trivial.
 */
export function wordEditDistance(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  let curr = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      curr[j] = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[y.length]!;
}

export function wordCount(text: string): number {
  return words(text).length;
}

/** A unified diff between the draft and what the agent sent, for the audit trail. */
export function editDiff(draft: string, final: string): string {
  return createTwoFilesPatch('draft', 'sent', `${draft.trim()}\n`, `${final.trim()}\n`, '', '', {
    context: 2,
  });
}
