import { describe, expect, it } from 'vitest';
import { LexicalFeaturizer, tokenize } from '../../../src/models/classifier/index.js';

function norm(values: Float64Array): number {
  return Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
}

describe('lexical features', () => {
  it('lower-cases, splits on non-letters and folds digits', () => {
    expect(tokenize('Order #12345 ARRIVED damaged!')).toEqual([
      'order',
      '00000',
      'arrived',
      'damaged',
    ]);
    expect(tokenize('ＦＵＬＬＷＩＤＴＨ')).toEqual(['fullwidth']);
    expect(tokenize('Café crème', true)).toEqual(['cafe', 'creme']);
    expect(tokenize('   ')).toEqual([]);
  });

  const texts = ['refund my order', 'refund the charge', 'cancel my order', 'cancel the charge'];
  const featurizer = LexicalFeaturizer.fit(texts);

  it('produces unit-length vectors and ignores terms it never saw', () => {
    const vector = featurizer.transform('refund my order please, zzqx');
    expect(norm(vector.values)).toBeCloseTo(1, 10);
    expect(featurizer.transform('zzqx ywvu').indices).toHaveLength(0);
    expect(featurizer.transform('').indices).toHaveLength(0);
  });

  it('drops terms seen in fewer than minDf texts, once the corpus is large enough', () => {
    const strict = LexicalFeaturizer.fit(texts, { ...featurizer.config, minDfFromTexts: 0 });
    expect(strict.dimension).toBeLessThan(featurizer.dimension);
    expect(strict.wordCount).toBeGreaterThan(0);
    // 'zebra' occurs once: kept in a four-text corpus, dropped when minDf applies.
    const withZebra = [...texts, 'zebra'];
    expect(LexicalFeaturizer.fit(withZebra).transform('zebra').indices.length).toBeGreaterThan(0);
    const strictZebra = LexicalFeaturizer.fit(withZebra, {
      ...featurizer.config,
      minDfFromTexts: 0,
    });
    expect(strictZebra.transform('zebra').indices).toHaveLength(0);
  });

  it('reads only the first maxChars characters of a huge ticket', () => {
    const head = 'refund my order '.repeat(1250);
    const pasted = `${head}${'cancel the charge '.repeat(300_000)}`;
    expect(head.length).toBe(featurizer.config.maxChars);
    const a = featurizer.transform(pasted);
    const b = featurizer.transform(head);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });

  it('does not depend on the order of the training texts', () => {
    const reversed = LexicalFeaturizer.fit([...texts].reverse());
    expect(reversed.toJSON()).toEqual(featurizer.toJSON());
  });

  it('round-trips through JSON', () => {
    const restored = LexicalFeaturizer.fromJSON(JSON.parse(JSON.stringify(featurizer.toJSON())));
    const text = 'refund the order';
    const a = featurizer.transform(text);
    const b = restored.transform(text);
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
  });

  it('adds ordered word pairs up to wordPairWindow apart, and nothing without the option', () => {
    const corpus = ['cancel the old card', 'cancel my order', 'the card is old'];
    const plain = LexicalFeaturizer.fit(corpus);
    const paired = LexicalFeaturizer.fit(corpus, { ...plain.config, wordPairWindow: 4 });
    // "cancel … card" (3 apart) and the pairs with the start/end markers are new columns.
    expect(paired.wordCount).toBeGreaterThan(plain.wordCount);
    const terms = [...paired.describe('cancel the old card').values()];
    expect(terms).toContain('cancel … card');
    expect([...plain.describe('cancel the old card').values()]).not.toContain('cancel … card');
    // The pair's identity ignores the distance: 3 and 4 apart are the same column.
    const three = paired.describe('cancel the old card');
    const four = paired.describe('cancel the very old card');
    const column = (described: Map<number, string>) =>
      [...described].find(([, term]) => term === 'cancel … card')?.[0];
    expect(column(three)).toBeDefined();
    expect(column(four)).toBe(column(three));
    // Order matters: "card … cancel" is another pair, unseen in training, so it has no column.
    expect([...paired.describe('card is old cancel').values()]).not.toContain('card … cancel');
  });
});
