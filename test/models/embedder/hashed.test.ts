import { describe, expect, it } from 'vitest';
import { HashedEmbedder } from '../../../src/models/embedder/hashed.js';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('HashedEmbedder', () => {
  const embedder = new HashedEmbedder();

  it('is deterministic, unit-length and of the configured dimension', async () => {
    const [a, b] = await embedder.embed(['Where is my refund?', 'Where is my refund?']);
    expect(a).toHaveLength(384);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(cosine(a!, a!)).toBeCloseTo(1, 5);
    expect(embedder.name).toBe('hashed-ngram-v2-d384');
  });

  it('scores spelling variants and inflections above unrelated text', async () => {
    const [query, typo, inflected, unrelated] = await embedder.embed([
      'cancel my subscription',
      'cancell my subscripton',
      'cancelling subscriptions',
      'reset the router password',
    ]);
    expect(cosine(query!, typo!)).toBeGreaterThan(cosine(query!, unrelated!) + 0.3);
    expect(cosine(query!, inflected!)).toBeGreaterThan(cosine(query!, unrelated!) + 0.3);
  });

  it('ignores case, accents and stop words', async () => {
    const [a, b] = await embedder.embed(['Le remboursement', 'REMBOURSEMENT']);
    expect(cosine(a!, b!)).toBeCloseTo(1, 5);
  });

  it('names every setting that changes vectors', () => {
    expect(new HashedEmbedder({ dimension: 256 }).name).toBe('hashed-ngram-v2-d256');
    expect(new HashedEmbedder({ charWeight: 1 }).name).not.toBe(embedder.name);
    expect(() => new HashedEmbedder({ dimension: 3 })).toThrow(/dimension/);
  });

  it('embeds empty text as the zero vector rather than NaN', async () => {
    const [empty] = await embedder.embed(['']);
    expect(Array.from(empty!).every((x) => x === 0)).toBe(true);
  });
});
