/**
 * Turns text into fixed-size vectors for similarity search. Every implementation is deterministic
 * for a given model file, and every stored vector carries `name` beside it, so vectors from two
 * models are never compared with each other.
 */
export interface Embedder {
  /** Stable identifier stored with every vector, e.g. `hashed-ngram-v1-384`. */
  readonly name: string;
  readonly dimension: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}
