import type { Citation } from '../../db/schema/drafts.js';
import type { Passage } from '../../kb/search.js';
import { phrasesFor } from './i18n.js';

export interface ComposedDraft {
  kind: 'extractive' | 'no_answer';
  text: string;
  citations: Citation[];
  confidence: number;
}

/** Trims a passage to whole sentences (or list items) within `maxChars`. */
export function excerpt(text: string, maxChars: number): string {
  const clean = text.trim();
  if (clean.length <= maxChars) return clean;
  const cut = clean.slice(0, maxChars);
  const boundary = Math.max(
    cut.lastIndexOf('. '),
    cut.lastIndexOf('\n'),
    cut.lastIndexOf('! '),
    cut.lastIndexOf('? '),
  );
  return `${(boundary > maxChars * 0.4 ? cut.slice(0, boundary + 1) : cut).trim()} …`;
}

export function toCitations(passages: readonly Passage[]): Citation[] {
  return passages.map((p, i) => ({
    index: i + 1,
    chunkId: p.chunkId,
    articleId: p.articleId,
    externalId: p.externalId,
    title: p.title,
    url: p.url,
    section: p.section,
    score: p.score,
  }));
}

/**
 * The zero-download drafter: quotes the best passages (one per article, at most three), with
 * numbered citations, a greeting and sign-off in the customer's language. It invents nothing;
 * when retrieval found nothing relevant it says so and leaves the answer to the agent.
 */
export function composeExtractive(input: {
  passages: readonly Passage[];
  language: string | null;
  customerName: string | null;
  signature: string;
}): ComposedDraft {
  const t = phrasesFor(input.language);
  const firstName = input.customerName?.trim().split(/\s+/)[0] ?? null;
  if (input.passages.length === 0) {
    return {
      kind: 'no_answer',
      text: [t.greeting(firstName), '', t.noAnswer, '', t.closing, input.signature].join('\n'),
      citations: [],
      confidence: 0,
    };
  }
  // The best article's two best sections (the answer is often split between an intro and its
  // steps), then the best section of the runner-up article: at most three quotes.
  const top = input.passages[0]!.articleId;
  const chosen = [
    ...input.passages.filter((p) => p.articleId === top).slice(0, 2),
    ...input.passages.filter((p) => p.articleId !== top).slice(0, 1),
  ].slice(0, 3);
  const citations = toCitations(chosen);
  const quoted = chosen.map((p, i) => `${excerpt(p.text, 700)} [${i + 1}]`);
  const links = citations.map(
    (c) =>
      `[${c.index}] ${c.title}${c.section && c.section !== c.title ? ` — ${c.section}` : ''}${c.url ? ` (${c.url})` : ''}`,
  );
  const text = [
    t.greeting(firstName),
    '',
    t.intro,
    '',
    quoted.join('\n\n'),
    '',
    t.moreInfo,
    ...links,
    '',
    t.closing,
    input.signature,
  ].join('\n');
  return { kind: 'extractive', text, citations, confidence: chosen[0]!.score };
}
