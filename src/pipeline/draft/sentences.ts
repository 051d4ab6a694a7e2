import { stems } from '../../kb/stems.js';
/**
 * Reading an article as a support agent quotes it: whole sentences and whole lists (with the line
 * that introduces them), never a cut; without the forum chatter a help-center article collects
 * (greetings, thanks, "+1", signatures, EDIT:/UPDATE: notes, quoted replies).
 */

export interface Unit {
  /** Position in the article (reading order). */
  order: number;
  /** One sentence, or a list: its lead-in line then one "- item" line per item. */
  text: string;
  kind: 'sentence' | 'list';
  /** Items of a list (lead-in excluded), so a long list can be shortened at an item boundary. */
  items: string[];
  leadIn: string | null;
  words: number;
  stems: Set<string>;
}

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(language: string, granularity: 'sentence' | 'word'): Intl.Segmenter {
  const key = `${language}/${granularity}`;
  let s = segmenters.get(key);
  if (!s) {
    s = new Intl.Segmenter(language, { granularity });
    segmenters.set(key, s);
  }
  return s;
}

/** Words counted with Intl.Segmenter: CJK text has no spaces, so whitespace counting fails it. */
export function countWords(text: string, language = 'en'): number {
  let n = 0;
  for (const s of segmenter(language, 'word').segment(text)) if (s.isWordLike) n++;
  return n;
}

export function splitSentences(text: string, language = 'en'): string[] {
  const out: string[] = [];
  for (const s of segmenter(language, 'sentence').segment(text)) {
    const sentence = s.segment.trim();
    if (sentence) out.push(sentence);
  }
  return out;
}

const CHATTER = [
  // Greetings and sign-offs standing alone.
  /^(hi|hello|hey|dear|greetings|good (morning|afternoon|evening))\b[^.!?]{0,40}[,!.:]?$/i,
  /^(best( regards)?|kind regards|regards|cheers|thanks( again)?|many thanks|thank you( all| so much)?|sincerely|br)[,!.]?(\s+\S+){0,3}$/i,
  // Thanks and agreement that carry no answer.
  /^(thanks?|thank you|thx|ty)\b.{0,80}(worked|helped|works|help|solved|fixed)\b.{0,20}$/i,
  /^(this|that|it) (worked|works|helped|fixed it)\b.{0,40}$/i,
  /^(\+1|same here|me too|same problem|any updates?|bump|following)\W*$/i,
  /^hope (this|that|it) helps\W*$/i,
  // Editing notes and quoted replies.
  /^(edit(ed)?|update[d]?)\s*(\d+)?\s*:/i,
  // Mail headers pasted into an answer ("Subject: Re: …", "Assunto: Re: …").
  /^(subject|betreff|asunto|assunto|objet|oggetto|onderwerp)\s*:/i,
  // Signature blocks that start with a template placeholder ("[Your Name] Customer Support Team",
  // "<name> Suporte ao Cliente"): never an answer, and never ends as a sentence.
  /^(\[(your|seu|sua|su|tu|ihr|ihre|votre|vostro|uw|name|nombre|nome|nom)\b[^\]]{0,40}\]|<[a-z_]{2,30}>)(?=\s|$)/i,
  /^>/,
  /^(on .{5,80} wrote:|-- ?$|—\s*$|sent from my)/i,
  // Sign-offs with the signature run into them ("Best regards, IT Services Support Team"), in the
  // languages drafts are written in.
  /^(best|kind|warm)? ?(regards|wishes)|^(sincerely|yours truly|cheers|saludos|atentamente|cordialmente|atenciosamente|cordialement|bien à vous|mit (freundlichen|besten|herzlichen) grüßen|(viele|beste|liebe|herzliche|freundliche) grüße|cordiali saluti|distinti saluti|met vriendelijke groet)\b[^.!?]{0,80}$/i,
  // Openings and closings of letters rather than answers.
  /^(dear|estimad[oa]s?|sehr geehrte[rn]?|liebe[rs]?|bonjour|hola|olá|prezad[oa]s?|caro|cara|beste|geachte)\b[^.!?]{0,60}[,:]?$/i,
  /^(thank you|thanks|many thanks|gracias|vielen dank|danke|merci|obrigad[oa]|grazie|bedankt)\b.{0,40}\b(reaching out|contacting|getting in touch|your (message|email|patience|understanding|cooperation)|ponerse en contacto|su paciencia|ihre (nachricht|geduld)|votre (message|patience)|pelo contato|sua paciência)\b[^.!?]{0,60}[.!]?$/i,
];

/** A line with no sentence end whose words are all capitalised: a name or a team signature. */
const SIGNATURE = /^(?:[\p{Lu}[<][\p{L}\]>'’.-]*\s+){1,6}[\p{Lu}[<][\p{L}\]>'’.-]*$/u;

export function isChatter(text: string, options: { listItem?: boolean } = {}): boolean {
  const t = text.trim();
  if (t.length === 0 || CHATTER.some((re) => re.test(t))) return true;
  // List items are often short capitalised names ("Visa", "Apple Pay"): never signatures.
  return !options.listItem && SIGNATURE.test(t);
}

/**
 * An article's chunks (reading order) → the units a draft can quote. Chunks repeat the end of
 * their predecessor on a first line starting with "…" (overlap for retrieval): dropped here. A
 * paragraph ending in ":" followed by list items becomes the list's lead-in.
 */
export function articleUnits(chunks: readonly { text: string }[], language = 'en'): Unit[] {
  const lines: string[] = [];
  for (const chunk of chunks) {
    const own = chunk.text.split('\n');
    if (own[0]?.startsWith('… ')) own.shift();
    for (const line of own) if (line.trim() && !/^>/.test(line.trim())) lines.push(line.trim());
  }
  const units: Unit[] = [];
  const push = (u: Omit<Unit, 'order' | 'words' | 'stems'>) =>
    units.push({
      ...u,
      order: units.length,
      words: countWords(u.text, language),
      stems: stems(u.text),
    });
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('- ')) {
      const items: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('- ')) {
        const item = lines[i]!.slice(2).trim();
        if (!isChatter(item, { listItem: true })) items.push(item);
        i++;
      }
      i--;
      if (!items.length) continue;
      // The lead-in is the last sentence before the list when it introduces it.
      const previous = units.at(-1);
      let leadIn: string | null = null;
      if (previous?.kind === 'sentence' && /[:：]$/.test(previous.text)) {
        leadIn = previous.text;
        units.pop();
      }
      const text = [leadIn, ...items.map((it) => `- ${it}`)].filter(Boolean).join('\n');
      push({ text, kind: 'list', items, leadIn });
      continue;
    }
    for (const sentence of splitSentences(line, language)) {
      if (isChatter(sentence)) continue;
      push({ text: sentence, kind: 'sentence', items: [], leadIn: null });
    }
  }
  return units;
}

/** A list cut at an item boundary to fit `maxWords` (lead-in kept): never a cut sentence. */
export function shortenList(unit: Unit, maxWords: number, language = 'en'): Unit | null {
  if (unit.words <= maxWords) return unit;
  if (unit.kind !== 'list') return null;
  const items: string[] = [];
  let words = unit.leadIn ? countWords(unit.leadIn, language) : 0;
  for (const item of unit.items) {
    const w = countWords(item, language);
    if (words + w > maxWords) break;
    items.push(item);
    words += w;
  }
  if (items.length === 0) return null;
  const text = [unit.leadIn, ...items.map((it) => `- ${it}`)].filter(Boolean).join('\n');
  return { ...unit, text, items, words, stems: stems(text) };
}

export interface SelectOptions {
  maxWords: number;
  language?: string;
  /** Units already used by an earlier version ("next best" skips them). */
  avoid?: ReadonlySet<string>;
  /**
   * Only units sharing at least two words with the question, and nothing rather than the
   * article's opening when none does (a second article's sentences).
   */
  strict?: boolean;
}

/**
 * Query-focused selection with redundancy control (maximal marginal relevance): units ranked by
 * the share of the query's stems they contain (a little credit for coming early: articles state
 * the answer first), taken while they fit the word budget and are not near-repeats of what is
 * already taken; returned in the article's order.
 */
export function selectUnits(units: readonly Unit[], query: string, options: SelectOptions): Unit[] {
  const q = stems(query);
  const language = options.language ?? 'en';
  const relevance = (u: Unit) => {
    let hits = 0;
    for (const s of u.stems) if (q.has(s)) hits++;
    const lengthPenalty = 1 + Math.log1p(u.words / 25);
    return hits / lengthPenalty + 0.15 / (1 + u.order);
  };
  const hits = (u: Unit) => [...u.stems].filter((s) => q.has(s)).length;
  const available = units.filter((u) => !options.avoid?.has(u.text));
  // Only units that share a word with the question; when none does (the article matched on
  // meaning, not words), its opening — articles state their subject first — unless `strict`.
  const matching = available.filter((u) => hits(u) >= (options.strict ? 2 : 1));
  const pool = matching.length ? matching : options.strict ? [] : available.slice(0, 2);
  const ranked = pool
    .map((u) => ({ u, r: relevance(u) }))
    .sort((a, b) => b.r - a.r || a.u.order - b.u.order);
  const chosen: Unit[] = [];
  let words = 0;
  for (const { u, r } of ranked) {
    if (chosen.length > 0 && r < 0.5 * (ranked[0]?.r ?? 0)) break;
    const room = options.maxWords - words;
    const fitted = u.words <= room ? u : shortenList(u, room, language);
    if (!fitted) continue;
    const redundant = chosen.some((c) => covered(fitted.stems, c.stems) > 0.6);
    if (redundant) continue;
    chosen.push(fitted);
    words += fitted.words;
    if (words >= options.maxWords * 0.8 || chosen.length >= 5) break;
  }
  // One sentence longer than the whole budget still beats no answer: it is never cut.
  if (chosen.length === 0 && ranked[0]) chosen.push(ranked[0].u);
  return chosen.sort((a, b) => a.order - b.order);
}

/** Share of `candidate`'s stems that `chosen` already has: near 1 = it adds nothing new. */
function covered(candidate: Set<string>, chosen: Set<string>): number {
  if (candidate.size === 0) return 1;
  let both = 0;
  for (const s of candidate) if (chosen.has(s)) both++;
  return both / candidate.size;
}
