import type { Citation } from '../../db/schema/drafts.js';
import type { Passage } from '../../kb/search.js';
import { languageName, phrasesFor } from './i18n.js';
import { selectUnits, type Unit } from './sentences.js';

export interface ComposedDraft {
  kind: 'extractive' | 'no_answer';
  text: string;
  citations: Citation[];
  /** The quoted units, for "next best" to avoid them in the next version. */
  quoted: string[];
}

/** Trims a passage to whole sentences (or list items) within `maxChars` (LLM prompts). */
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

export interface SourceArticle {
  /** The article's best passage (what the citation points at). */
  passage: Passage;
  units: readonly Unit[];
  confidence: number;
}

export interface ComposeInput {
  query: string;
  /** One article, or two when the second passed the confidence gate on its own. */
  articles: readonly SourceArticle[];
  language: string;
  customerName: string | null;
  signature: string;
  maxWords: number;
  formal?: boolean;
  /** Units quoted by the version being regenerated ("next best"). */
  avoid?: ReadonlySet<string>;
}

/** Greeting and sign-off around `body`, in the draft's language. */
function frame(
  input: Pick<ComposeInput, 'language' | 'customerName' | 'signature' | 'formal'>,
  body: string[],
): string {
  const t = phrasesFor(input.language);
  const firstName = input.customerName?.trim().split(/\s+/)[0] || null;
  const name = input.formal ? input.customerName?.trim() || null : firstName;
  return [
    t.greeting(name, input.formal),
    '',
    ...body,
    '',
    input.formal ? t.closingFormal : t.closing,
    input.signature,
  ].join('\n');
}

/** The abstained draft: a holding reply a human completes. */
export function composeNoAnswer(
  input: Pick<ComposeInput, 'language' | 'customerName' | 'signature' | 'formal'>,
): ComposedDraft {
  const t = phrasesFor(input.language);
  return { kind: 'no_answer', text: frame(input, [t.noAnswer]), citations: [], quoted: [] };
}

/**
 * The zero-download drafter: the few sentences of the best article (and of a second one only when
 * it passed the gate on its own) that answer the question, in the article's order, each cited,
 * within `maxWords`; a link to the full article when it has a URL. It invents nothing. When the
 * articles are in another language than the customer's, it says so in the customer's language.
 */
export function composeExtractive(input: ComposeInput): ComposedDraft {
  const t = phrasesFor(input.language);
  const citations: Citation[] = [];
  const body: string[] = [t.intro, ''];
  const quoted: string[] = [];
  let budget = input.maxWords;
  for (const [i, article] of input.articles.entries()) {
    // The first article gets most of the budget; a second one what is left, at least a third.
    const share = input.articles.length > 1 && i === 0 ? Math.ceil(budget * 0.65) : budget;
    const units = selectUnits(article.units, input.query, {
      maxWords: share,
      language: article.passage.language,
      avoid: input.avoid,
      // A second article adds only sentences about the question itself.
      strict: i > 0,
    });
    if (units.length === 0) continue;
    const index = citations.length + 1;
    citations.push({
      index,
      chunkId: article.passage.chunkId,
      articleId: article.passage.articleId,
      externalId: article.passage.externalId,
      title: article.passage.title,
      url: article.passage.url,
      section: article.passage.section,
      score: article.confidence,
    });
    if (article.passage.language !== input.language) {
      body.push(t.otherLanguage(languageName(article.passage.language)));
    }
    // Consecutive sentences form one paragraph; a list stands apart. Every unit ends in its marker.
    let paragraph: string[] = [];
    const flush = () => {
      if (paragraph.length) body.push(paragraph.join(' '), '');
      paragraph = [];
    };
    for (const unit of units) {
      quoted.push(unit.text);
      budget -= unit.words;
      if (unit.kind === 'list') {
        flush();
        body.push(`${unit.text} [${index}]`, '');
      } else {
        paragraph.push(`${unit.text} [${index}]`);
      }
    }
    flush();
  }
  if (citations.length === 0) return composeNoAnswer(input);
  const links = citations.filter((c) => c.url);
  if (links.length) {
    body.push(t.moreInfo, ...links.map((c) => `[${c.index}] ${c.title}: ${c.url}`));
  }
  while (body.at(-1) === '') body.pop();
  return { kind: 'extractive', text: frame(input, body), citations, quoted };
}
