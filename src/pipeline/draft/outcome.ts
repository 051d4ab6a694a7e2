import type { Draft } from '../../db/schema/drafts.js';
import { allPhrases } from './i18n.js';

/** Answered (grounded, cited) or abstained (no grounded answer: a human writes the reply). */
export type DraftAnswer = 'answered' | 'abstained';

export function draftOutcome(draft: Pick<Draft, 'kind'> & { state?: string | null }): DraftAnswer {
  if (draft.state === 'answered' || draft.state === 'abstained') return draft.state;
  return draft.kind === 'no_answer' ? 'abstained' : 'answered';
}

/**
 * The answer part of a draft: without the greeting line, the fixed lead-in, the list of sources
 * and everything from the closing on (closing, signature).
 */
export function draftBody(text: string): string {
  const phrases = allPhrases();
  const fixed = new Set(
    phrases.flatMap((p) => [p.intro, p.moreInfo, ...p.fixedLines]).map((s) => s.trim()),
  );
  const closings = new Set(phrases.flatMap((p) => p.closings).map((s) => s.trim()));
  const lines = text.split('\n');
  const out: string[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (i === 0 && phrases.some((p) => p.isGreeting(line))) continue;
    if (closings.has(line)) break;
    if (fixed.has(line)) continue;
    if (/^\[\d{1,2}\] .+/.test(line) && !/\[\d{1,2}\]$/.test(line)) continue; // a source link
    out.push(raw);
  }
  return out.join('\n').trim();
}
