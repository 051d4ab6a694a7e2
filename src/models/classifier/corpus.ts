/**
 * Word vectors learned from the team's own tickets, without labels and without downloads: random
 * indexing (Kanerva et al., 2000; Sahlgren, 2005). Every word has a fixed sparse random "index"
 * vector derived from its hash; a word's context vector is the IDF-weighted sum of the index
 * vectors of the words around it, over every ticket. Words used in the same contexts ("refund",
 * "reimburse") end up with similar vectors, which exact n-grams cannot see. A text's embedding is
 * the IDF-weighted sum of its words' vectors; the classifier appends it to the n-grams.
 *
 * One pass over the texts, no iterations: it trains in seconds on 20k tickets. Only words seen in
 * at least `minCount` texts keep a vector, stored as 8-bit codes with one scale per word.
 */
import { decodeFloat32, decodeInt8, decodeUint32, encodeBase64 } from './encoding.js';
import { tokenize } from './features.js';

export interface CorpusEmbeddingConfig {
  readonly dimension: number;
  /** Words on each side that count as context. */
  readonly window: number;
  /** Texts a word must occur in to keep a vector. */
  readonly minCount: number;
  /** Non-zero entries (±1) of each word's random index vector. */
  readonly indexNonZeros: number;
}

export const DEFAULT_CORPUS_CONFIG: CorpusEmbeddingConfig = {
  dimension: 256,
  window: 2,
  minCount: 2,
  indexNonZeros: 8,
};

export interface SerializedCorpusEmbedding {
  readonly config: CorpusEmbeddingConfig;
  readonly stripAccents: boolean;
  readonly maxChars: number;
  /** base64 Uint32Array: word hashes, sorted. */
  readonly words: string;
  /** base64 Float32Array: IDF per word. */
  readonly idf: string;
  /** base64 Int8Array (words × dimension) and Float32Array (one scale per word). */
  readonly codes: string;
  readonly scales: string;
}

const FNV_PRIME = 16777619;

function hashWord(word: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  // murmur3's finaliser, so that nearby seeds give unrelated positions.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const WORD_SEED = 0x2f6b1d3;

export class CorpusEmbedding {
  readonly config: CorpusEmbeddingConfig;
  private readonly stripAccents: boolean;
  private readonly maxChars: number;
  private readonly words: Uint32Array;
  private readonly idf: Float32Array;
  private readonly codes: Int8Array;
  private readonly scales: Float32Array;
  private readonly rowByWord: Map<number, number>;

  private constructor(parts: {
    config: CorpusEmbeddingConfig;
    stripAccents: boolean;
    maxChars: number;
    words: Uint32Array;
    idf: Float32Array;
    codes: Int8Array;
    scales: Float32Array;
  }) {
    if (
      parts.idf.length !== parts.words.length ||
      parts.scales.length !== parts.words.length ||
      parts.codes.length !== parts.words.length * parts.config.dimension
    ) {
      throw new Error('corrupt corpus embedding: sizes disagree');
    }
    this.config = parts.config;
    this.stripAccents = parts.stripAccents;
    this.maxChars = parts.maxChars;
    this.words = parts.words;
    this.idf = parts.idf;
    this.codes = parts.codes;
    this.scales = parts.scales;
    this.rowByWord = new Map();
    for (let row = 0; row < parts.words.length; row++) this.rowByWord.set(parts.words[row]!, row);
  }

  get dimension(): number {
    return this.config.dimension;
  }

  get vocabularySize(): number {
    return this.words.length;
  }

  static fit(
    texts: readonly string[],
    tokenizer: { stripAccents: boolean; maxChars: number },
    config: CorpusEmbeddingConfig = DEFAULT_CORPUS_CONFIG,
  ): CorpusEmbedding {
    const { dimension, window, minCount, indexNonZeros } = config;
    const tokenized = texts.map((text) =>
      tokenize(text.slice(0, tokenizer.maxChars), tokenizer.stripAccents).map((word) =>
        hashWord(word, WORD_SEED),
      ),
    );
    const documentFrequency = new Map<number, number>();
    for (const words of tokenized) {
      for (const word of new Set(words)) {
        documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
      }
    }
    const kept = [...documentFrequency]
      .filter(([, df]) => df >= minCount)
      .map(([word]) => word)
      .sort((a, b) => a - b);
    const rowByWord = new Map(kept.map((word, row) => [word, row]));
    const idfOf = (word: number) =>
      Math.log((1 + texts.length) / (1 + (documentFrequency.get(word) ?? 0))) + 1;
    // Index vectors are positions and signs derived from the word's hash: nothing to store.
    const indexOf = new Map<number, Int32Array>();
    const indexVector = (word: number): Int32Array => {
      let index = indexOf.get(word);
      if (!index) {
        index = new Int32Array(indexNonZeros);
        for (let k = 0; k < indexNonZeros; k++) {
          const h = hashWord(String(word), 0x9e3779b9 + k * 7919);
          // Sign in the top bit, position in the rest.
          index[k] = h & 0x80000000 ? -((h % dimension) + 1) : (h % dimension) + 1;
        }
        indexOf.set(word, index);
      }
      return index;
    };
    const vectors = new Float64Array(kept.length * dimension);
    for (const words of tokenized) {
      for (let i = 0; i < words.length; i++) {
        const row = rowByWord.get(words[i]!);
        if (row === undefined) continue;
        const base = row * dimension;
        const from = Math.max(0, i - window);
        const to = Math.min(words.length - 1, i + window);
        for (let j = from; j <= to; j++) {
          if (j === i) continue;
          const weight = idfOf(words[j]!);
          for (const signed of indexVector(words[j]!)) {
            const position = Math.abs(signed) - 1;
            vectors[base + position]! += signed > 0 ? weight : -weight;
          }
        }
      }
    }
    // Unit length, then the common direction (what every context shares) removed.
    const mean = new Float64Array(dimension);
    for (let row = 0; row < kept.length; row++) {
      const base = row * dimension;
      let norm = 0;
      for (let d = 0; d < dimension; d++) norm += vectors[base + d]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dimension; d++) {
        vectors[base + d] = vectors[base + d]! / norm;
        mean[d]! += vectors[base + d]! / kept.length;
      }
    }
    const codes = new Int8Array(vectors.length);
    const scales = new Float32Array(kept.length);
    for (let row = 0; row < kept.length; row++) {
      const base = row * dimension;
      let max = 0;
      for (let d = 0; d < dimension; d++) {
        vectors[base + d] = vectors[base + d]! - mean[d]!;
        max = Math.max(max, Math.abs(vectors[base + d]!));
      }
      scales[row] = max / 127;
      if (max === 0) continue;
      for (let d = 0; d < dimension; d++) {
        codes[base + d] = Math.round(vectors[base + d]! / scales[row]!);
      }
    }
    return new CorpusEmbedding({
      config,
      stripAccents: tokenizer.stripAccents,
      maxChars: tokenizer.maxChars,
      words: Uint32Array.from(kept),
      idf: Float32Array.from(kept, idfOf),
      codes,
      scales,
    });
  }

  /** The IDF-weighted sum of the text's word vectors (not normalised; the caller weighs blocks). */
  embed(text: string): Float32Array {
    const { dimension } = this.config;
    const out = new Float32Array(dimension);
    for (const word of tokenize(text.slice(0, this.maxChars), this.stripAccents)) {
      const row = this.rowByWord.get(hashWord(word, WORD_SEED));
      if (row === undefined) continue;
      const factor = this.idf[row]! * this.scales[row]!;
      const base = row * dimension;
      for (let d = 0; d < dimension; d++) out[d]! += this.codes[base + d]! * factor;
    }
    return out;
  }

  toJSON(): SerializedCorpusEmbedding {
    return {
      config: this.config,
      stripAccents: this.stripAccents,
      maxChars: this.maxChars,
      words: encodeBase64(this.words),
      idf: encodeBase64(this.idf),
      codes: encodeBase64(this.codes),
      scales: encodeBase64(this.scales),
    };
  }

  static fromJSON(serialized: SerializedCorpusEmbedding): CorpusEmbedding {
    return new CorpusEmbedding({
      config: serialized.config,
      stripAccents: serialized.stripAccents,
      maxChars: serialized.maxChars,
      words: decodeUint32(serialized.words),
      idf: decodeFloat32(serialized.idf),
      codes: decodeInt8(serialized.codes),
      scales: decodeFloat32(serialized.scales),
    });
  }
}
