/**
 * ELD's scores (Efficient Language Detector, Nito T.M., Apache-2.0), computed from a compact copy
 * of its 'small' n-gram profile that keeps only the languages detection chooses among.
 *
 * `import('eld/small')` builds the profile as an object literal: 81,206 n-gram keys, each an
 * object whose integer keys (language ids up to 59) get a dense elements array. That was ~47 MB
 * of live heap for the life of the process (heap snapshot after the demo: 28 MB of object
 * elements, 8 MB of literal boilerplate kept by the module's bytecode, 6 MB of objects, 4 MB of
 * key strings), and ~145 MB of resident memory while V8 parsed and ran the 1.6 MB literal.
 * A module cannot be unloaded, so the object tree could not be converted and dropped either.
 *
 * Here the same file is read as text and parsed into one Map (n-gram → offset) and one byte
 * array of (language, score) pairs, for the wanted languages only (~3 MB of heap). A language's
 * score depends only on its own entries and the number of distinct n-grams in the text, so the
 * scores of the kept languages are exactly ELD's (test/pipeline/language-ngrams.test.ts compares
 * them with `eld/small` on every kept language). ELD's text preparation (its separator expression and
 * byte dictionary) is imported from the package; the steps below follow its `detect()` and
 * `getScores()` (eld 2.1.0, src/languageDetector.js and src/LanguageResult.js).
 */
import { readFile } from 'node:fs/promises';

/** ELD subtracts this from every stored score to keep its files small, and adds it back. */
const BASE_NGRAM_SCORE = 53;
/** ELD's `orderAndScale`: a raw average of s becomes s / (s + 25). */
const SCALE = 25;

/** A file of the installed eld package, beside the `eld/small` entry (src/entries/). */
function eldFile(relative: string): URL {
  return new URL(`../${relative}`, import.meta.resolve('eld/small'));
}

export interface NgramScorer {
  /** ELD's `detect(text).getScores()`, limited to the languages the scorer was built for. */
  scores(text: string): Record<string, number>;
}

/**
 * The text as ELD reads it: separators to spaces, lower case, then each word as a string of its
 * UTF-8 bytes (one character per byte, through ELD's dictionary), cut near 350 bytes.
 */
function byteWords(text: string, separators: RegExp, dictionary: readonly string[]): string[] {
  const str = text.replace(separators, ' ').trim().toLowerCase();
  const byte = (b: number) => dictionary[b]!;
  const words: string[] = [];
  let encoded = '';
  let count = 0;
  for (let i = 0; i < str.length; i++) {
    let code = str.charCodeAt(i);
    if (code < 0x80) {
      if (code === 32) {
        if (encoded !== '') {
          words.push(encoded);
          encoded = '';
        }
        if (count > 350) break;
      } else {
        encoded += str[i];
      }
      count++;
    } else if (code < 0x800) {
      encoded += byte(0xc0 | (code >> 6)) + byte(0x80 | (code & 0x3f));
      count += 2;
    } else if (code < 0xd800 || code >= 0xe000) {
      encoded +=
        byte(0xe0 | (code >> 12)) + byte(0x80 | ((code >> 6) & 0x3f)) + byte(0x80 | (code & 0x3f));
      count += 3;
    } else {
      i++;
      code = 0x10000 + (((code & 0x3ff) << 10) | (str.charCodeAt(i) & 0x3ff));
      encoded +=
        byte(0xf0 | (code >> 18)) +
        byte(0x80 | ((code >> 12) & 0x3f)) +
        byte(0x80 | ((code >> 6) & 0x3f)) +
        byte(0x80 | (code & 0x3f));
      count += 4;
    }
    if (count > 380) break;
  }
  if (encoded !== '') words.push(encoded);
  return words;
}

/** ELD's byte 4-grams of each word (stride 3, the word's start and end marked by a space). */
function byteNgrams(words: readonly string[]): Set<string> {
  const ngrams = new Set<string>();
  for (const word of words) {
    const len = Math.min(word.length, 70);
    let j = 0;
    for (; j + 4 < len; j += 3) ngrams.add((j === 0 ? ' ' : '') + word.substring(j, j + 4));
    ngrams.add(`${j === 0 ? ' ' : ''}${word.substring(len !== 3 ? len - 4 : 0)} `);
  }
  return ngrams;
}

/** Reads `eld/small`'s profile for `languages` (ISO 639-1; those ELD lacks are ignored). */
export async function loadNgramScorer(languages: readonly string[]): Promise<NgramScorer> {
  const [source, { dictionary }, { separators }] = await Promise.all([
    readFile(eldFile('ngrams/small.js'), 'utf8'),
    import(eldFile('dictionary.js').href) as Promise<{ dictionary: string[] }>,
    import(eldFile('regexPatterns.js').href) as Promise<{ separators: RegExp }>,
  ]);
  const declared = /languages:\{([^}]*)\}/.exec(source)?.[1];
  const start = source.indexOf('ngrams:{');
  if (!declared || start < 0) throw new Error("eld's small profile is not in the expected format");
  // ELD's language id → index in `kept`.
  const kept: string[] = [];
  const local = new Map<number, number>();
  for (const [, id, code] of declared.matchAll(/(\d+):'([a-z]+)'/g)) {
    if (languages.includes(code!)) {
      local.set(Number(id), kept.length);
      kept.push(code!);
    }
  }
  // n-gram → offset * 32 + number of pairs (at most 60 languages exist; 32 > the 25 detectable
  // ones is checked below); pairs are (index in `kept`, stored score), a byte each.
  const index = new Map<string, number>();
  const pairs: number[] = [];
  // `'key':{id:score,…}` with ' escaped as \' in a quoted key, or a bare identifier key.
  const entry = /(?:'((?:[^'\\]|\\.)*)'|([^'{}:,\s]+)):\{([^}]*)\}/g;
  entry.lastIndex = start + 'ngrams:{'.length;
  for (let m = entry.exec(source); m; m = entry.exec(source)) {
    const offset = pairs.length;
    for (const pair of m[3]!.split(',')) {
      const colon = pair.indexOf(':');
      const at = local.get(Number(pair.slice(0, colon)));
      if (at !== undefined) pairs.push(at, Number(pair.slice(colon + 1)));
    }
    const count = (pairs.length - offset) / 2;
    if (count > 0) {
      const key = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
      index.set(key, offset * 32 + count);
    }
  }
  if (kept.length >= 32 || pairs.some((v) => v > 255)) {
    throw new Error("eld's small profile does not fit the compact layout");
  }
  const table = Uint8Array.from(pairs);
  return {
    scores(text) {
      const ngrams = byteNgrams(byteWords(text.substring(0, 1000), separators, dictionary));
      const totals = new Array<number>(kept.length).fill(0);
      for (const ngram of ngrams) {
        const at = index.get(ngram);
        if (at === undefined) continue;
        const end = (at >> 5) + (at & 31) * 2;
        for (let i = at >> 5; i < end; i += 2)
          totals[table[i]!]! += table[i + 1]! + BASE_NGRAM_SCORE;
      }
      const scores: Record<string, number> = {};
      totals.forEach((total, i) => {
        if (total <= 0) return;
        const average = total / ngrams.size;
        scores[kept[i]!] = average / (average + SCALE);
      });
      return scores;
    },
  };
}
