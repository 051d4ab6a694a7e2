/**
 * Scales a vector to unit length, in place, so that cosine similarity is a dot product (what the
 * HNSW index and the search compare). A zero vector stays zero.
 */
export function toUnitLength(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}
