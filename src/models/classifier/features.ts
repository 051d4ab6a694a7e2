/**
 * Lexical features for short support texts: word n-grams plus character n-grams taken inside word
 * boundaries, weighted by sublinear TF-IDF and L2-normalised per block.
 *
 * Terms are identified by a 30-bit hash rather than by their string. The vocabulary is still
 * learned (only terms seen in at least `minDf` training texts get a column), so the weight matrix
 * has no collisions worth mentioning, yet the serialised vocabulary is 4 bytes per column instead
 * of the n-gram strings, and extraction never allocates substrings.
 */

import { decodeFloat32, decodeUint32, encodeBase64 } from './encoding.js';

/** Bump when tokenisation or hashing changes: stored models trained on old features are refused. */
export const FEATURE_VERSION = 'lexical-v1';

export interface FeatureConfig {
  /** Inclusive range of word n-gram lengths; `[1, 2]` = unigrams and bigrams. `[0, 0]` disables. */
  readonly wordNgrams: readonly [number, number];
  /**
   * Pairs of words one apart ("reset … password"): cheap word-order evidence that survives the
   * filler words people put in the middle of a request.
   */
  readonly skipBigrams: boolean;
  /**
   * Ordered word pairs up to this many positions apart, beyond the skip bigrams ("card … was …
   * declined"), among the first 48 words: for short utterances, whose few content words carry
   * the intent in combination. Values of 2 or less (and absent, in models stored before the
   * option) add nothing.
   */
  readonly wordPairWindow?: number;
  /**
   * Start- and end-of-text markers in the word sequence, so "cancel …" at the start of a request
   * and "… cancel?" at its end are different evidence (intent often sits in the first words).
   */
  readonly boundaryMarkers: boolean;
  /** Inclusive range of character n-gram lengths inside space-padded words. `[0, 0]` disables. */
  readonly charNgrams: readonly [number, number];
  /** Terms seen in fewer training texts get no column; they cannot generalise and bloat the model. */
  readonly minDf: number;
  /**
   * `minDf` applies only from this many training texts on. A cold-start taxonomy with a handful of
   * examples per label has most of its words exactly once; dropping them would leave nothing.
   */
  readonly minDfFromTexts: number;
  /** Share of the squared norm given to the word block (the char block gets the rest). */
  readonly wordWeight: number;
  /** Fold accents (é → e), for writers who drop them inconsistently. */
  readonly stripAccents: boolean;
  /**
   * Only the first this-many characters are read. Past a few pages a ticket is quoted history,
   * signatures and logs; the cap keeps prediction time bounded for a pasted 5 MB log.
   */
  readonly maxChars: number;
}

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = {
  wordNgrams: [1, 2],
  skipBigrams: true,
  boundaryMarkers: true,
  charNgrams: [2, 5],
  minDf: 2,
  minDfFromTexts: 1000,
  wordWeight: 0.5,
  stripAccents: false,
  maxChars: 20_000,
};

export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

const WORD_BLOCK = 0;
const CHAR_BLOCK = 1;
type Block = typeof WORD_BLOCK | typeof CHAR_BLOCK;

// FNV-1a constants; distinct offsets put words and character n-grams in separate namespaces.
const FNV_PRIME = 16777619;
const WORD_SEED = 2166136261;
const CHAR_SEED = 0x9747b28c;
const BIGRAM_JOINER = 0x1f;
const SKIP_BIGRAM_TAG = 0x55;
const WORD_PAIR_TAG = 0x5a;
/**
 * Word pairs are taken among the first this-many words only: the request is usually stated at the
 * start, and a long ticket's pairs would cost a millisecond per prediction for little evidence.
 */
const WORD_PAIR_SPAN = 48;
// 30 bits keeps every key a V8 small integer, so Map lookups stay on the fast path.
const HASH_MASK = 0x3fffffff;

const TOKEN_PATTERN = /[\p{L}\p{M}\p{N}]+/gu;
const DIGIT_PATTERN = /\p{Nd}/gu;
const COMBINING_MARKS = /\p{M}+/gu;

/** Lower-cased, NFKC tokens; every digit becomes `0` so order numbers and amounts share features. */
export function tokenize(text: string, stripAccents = false): string[] {
  let normalised = text.normalize('NFKC').toLowerCase().replace(DIGIT_PATTERN, '0');
  if (stripAccents) normalised = normalised.normalize('NFD').replace(COMBINING_MARKS, '');
  return normalised.match(TOKEN_PATTERN) ?? [];
}

function hashToken(seed: number, token: string): number {
  let h = seed;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), FNV_PRIME);
  return h;
}

const START = '\u0002';
const END = '\u0003';

/** A word n-gram as a reader sees it: boundary markers dropped, skipped words as an ellipsis. */
function wordTermText(tokens: readonly string[], skip: boolean): string {
  const words = tokens.filter((token) => token !== START && token !== END);
  return skip && words.length === 2 ? `${words[0]} … ${words[1]}` : words.join(' ');
}

/**
 * Calls `visit` once per term occurrence; the caller counts. With `describe`, the third argument
 * is the term as text (a character n-gram is reported as its word), for explanations; without it,
 * the empty string, so the hot path builds no strings.
 */
function visitTerms(
  tokens: readonly string[],
  config: FeatureConfig,
  visit: (hash: number, block: Block, term: string) => void,
  describe = false,
): void {
  const [wordMin, wordMax] = config.wordNgrams;
  if (wordMax > 0) {
    // Control characters cannot come out of the tokenizer, so the markers never collide with words.
    const marked = config.boundaryMarkers && tokens.length > 0;
    const wordTokens = marked ? [START, ...tokens, END] : tokens;
    const lastStart = wordTokens.length - 1;
    const tokenHashes = wordTokens.map((token) => hashToken(WORD_SEED, token));
    if (config.skipBigrams) {
      for (let start = 0; start + 2 < wordTokens.length; start++) {
        let h = Math.imul(WORD_SEED ^ SKIP_BIGRAM_TAG, FNV_PRIME);
        h = Math.imul(h ^ tokenHashes[start]!, FNV_PRIME);
        h = Math.imul(h ^ tokenHashes[start + 2]!, FNV_PRIME);
        const term = describe
          ? wordTermText([wordTokens[start]!, wordTokens[start + 2]!], true)
          : '';
        visit(h & HASH_MASK, WORD_BLOCK, term);
      }
    }
    // Distance is not part of the pair's identity: "cancel … card" is the same evidence whether
    // one or two words sit between them.
    const pairWindow = config.wordPairWindow ?? 0;
    for (let distance = 3; distance <= pairWindow; distance++) {
      const span = Math.min(wordTokens.length, WORD_PAIR_SPAN);
      for (let start = 0; start + distance < span; start++) {
        let h = Math.imul(WORD_SEED ^ WORD_PAIR_TAG, FNV_PRIME);
        h = Math.imul(h ^ tokenHashes[start]!, FNV_PRIME);
        h = Math.imul(h ^ tokenHashes[start + distance]!, FNV_PRIME);
        const term = describe
          ? wordTermText([wordTokens[start]!, wordTokens[start + distance]!], true)
          : '';
        visit(h & HASH_MASK, WORD_BLOCK, term);
      }
    }
    for (let start = 0; start < wordTokens.length; start++) {
      let h = WORD_SEED;
      for (let n = 1; n <= wordMax && start + n <= wordTokens.length; n++) {
        // Chain whole-token hashes so an n-gram's identity is its token sequence.
        if (n > 1) h = Math.imul(h ^ BIGRAM_JOINER, FNV_PRIME);
        h = Math.imul(h ^ tokenHashes[start + n - 1]!, FNV_PRIME);
        // A marker on its own is in every text and says nothing; only its n-grams count.
        const markerAlone = marked && n === 1 && (start === 0 || start === lastStart);
        if (n >= wordMin && !markerAlone) {
          const term = describe ? wordTermText(wordTokens.slice(start, start + n), false) : '';
          visit(h & HASH_MASK, WORD_BLOCK, term);
        }
      }
    }
  }
  const [charMin, charMax] = config.charNgrams;
  if (charMax > 0) {
    for (const token of tokens) {
      // Space padding marks word starts and ends, as scikit-learn's `char_wb` analyzer does.
      const padded = ` ${token} `;
      for (let start = 0; start < padded.length; start++) {
        let h = CHAR_SEED;
        for (let n = 1; n <= charMax && start + n <= padded.length; n++) {
          h = Math.imul(h ^ padded.charCodeAt(start + n - 1), FNV_PRIME);
          if (n >= charMin) visit(h & HASH_MASK, CHAR_BLOCK, describe ? token : '');
        }
      }
    }
  }
}

export interface SerializedFeaturizer {
  readonly config: FeatureConfig;
  readonly wordCount: number;
  /** base64 Uint32Array: term hashes in column order (word block first). */
  readonly terms: string;
  /** base64 Float32Array: inverse document frequency per column. */
  readonly idf: string;
}

/** Maps text to a sparse, unit-length TF-IDF vector over a vocabulary learned from training texts. */
export class LexicalFeaturizer {
  readonly config: FeatureConfig;
  /** Columns `[0, wordCount)` are word n-grams, the rest character n-grams. */
  readonly wordCount: number;
  private readonly terms: Uint32Array;
  private readonly idf: Float32Array;
  private readonly columnByTerm: Map<number, number>;

  private constructor(
    config: FeatureConfig,
    wordCount: number,
    terms: Uint32Array,
    idf: Float32Array,
  ) {
    this.config = config;
    this.wordCount = wordCount;
    this.terms = terms;
    this.idf = idf;
    this.columnByTerm = new Map();
    for (let column = 0; column < terms.length; column++) {
      this.columnByTerm.set(terms[column]!, column);
    }
  }

  get dimension(): number {
    return this.terms.length;
  }

  static fit(
    texts: readonly string[],
    config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
  ): LexicalFeaturizer {
    const documentFrequency = [new Map<number, number>(), new Map<number, number>()] as const;
    const seen = new Set<number>();
    for (const text of texts) {
      seen.clear();
      visitTerms(
        tokenize(text.slice(0, config.maxChars), config.stripAccents),
        config,
        (hash, block) => {
          // A hash lives in exactly one namespace, so one `seen` set covers both blocks.
          if (seen.has(hash)) return;
          seen.add(hash);
          const frequencies = documentFrequency[block];
          frequencies.set(hash, (frequencies.get(hash) ?? 0) + 1);
        },
      );
    }
    const minDf = texts.length >= config.minDfFromTexts ? Math.max(1, config.minDf) : 1;
    const kept = documentFrequency.map((frequencies) =>
      // Sorted by hash so the column order does not depend on the order of the training texts.
      [...frequencies].filter(([, df]) => df >= minDf).sort((a, b) => a[0] - b[0]),
    );
    const wordTerms = kept[WORD_BLOCK]!;
    const charTerms = kept[CHAR_BLOCK]!;
    const terms = new Uint32Array(wordTerms.length + charTerms.length);
    const idf = new Float32Array(terms.length);
    const documents = texts.length;
    let column = 0;
    for (const [hash, df] of [...wordTerms, ...charTerms]) {
      terms[column] = hash;
      // Smoothed IDF (as scikit-learn): never zero, so a term in every text still counts a little.
      idf[column] = Math.log((1 + documents) / (1 + df)) + 1;
      column++;
    }
    return new LexicalFeaturizer(config, wordTerms.length, terms, idf);
  }

  transform(text: string): SparseVector {
    const counts = new Map<number, number>();
    visitTerms(
      tokenize(text.slice(0, this.config.maxChars), this.config.stripAccents),
      this.config,
      (hash) => {
        const column = this.columnByTerm.get(hash);
        if (column !== undefined) counts.set(column, (counts.get(column) ?? 0) + 1);
      },
    );
    const indices = new Int32Array(counts.size);
    const values = new Float64Array(counts.size);
    let wordNorm = 0;
    let charNorm = 0;
    let k = 0;
    for (const [column, count] of counts) {
      // Sublinear TF: a word repeated ten times in a long e-mail is not ten times the evidence.
      const value = (1 + Math.log(count)) * this.idf[column]!;
      indices[k] = column;
      values[k] = value;
      if (column < this.wordCount) wordNorm += value * value;
      else charNorm += value * value;
      k++;
    }
    // Each block gets its own unit norm before weighting: character n-grams outnumber words
    // roughly ten to one and would otherwise drown them.
    const hasWord = wordNorm > 0;
    const hasChar = charNorm > 0;
    const wordShare = hasWord && hasChar ? this.config.wordWeight : hasWord ? 1 : 0;
    const wordScale = hasWord ? Math.sqrt(wordShare / wordNorm) : 0;
    const charScale = hasChar ? Math.sqrt((1 - wordShare) / charNorm) : 0;
    for (let i = 0; i < indices.length; i++) {
      values[i] = values[i]! * (indices[i]! < this.wordCount ? wordScale : charScale);
    }
    return { indices, values };
  }

  /**
   * The readable term behind each column of `transform(text)`: word n-grams as their words, a
   * character n-gram as the word it came from (several columns share one term). For explanations
   * only; it builds strings, so it stays off the prediction path.
   */
  describe(text: string): Map<number, string> {
    const terms = new Map<number, string>();
    visitTerms(
      tokenize(text.slice(0, this.config.maxChars), this.config.stripAccents),
      this.config,
      (hash, _block, term) => {
        const column = this.columnByTerm.get(hash);
        if (column !== undefined && term !== '' && !terms.has(column)) terms.set(column, term);
      },
      true,
    );
    return terms;
  }

  toJSON(): SerializedFeaturizer {
    return {
      config: this.config,
      wordCount: this.wordCount,
      terms: encodeBase64(this.terms),
      idf: encodeBase64(this.idf),
    };
  }

  static fromJSON(serialized: SerializedFeaturizer): LexicalFeaturizer {
    const terms = decodeUint32(serialized.terms);
    const idf = decodeFloat32(serialized.idf);
    if (terms.length !== idf.length || serialized.wordCount > terms.length) {
      throw new Error('corrupt featurizer: vocabulary and idf lengths disagree');
    }
    return new LexicalFeaturizer(serialized.config, serialized.wordCount, terms, idf);
  }
}
