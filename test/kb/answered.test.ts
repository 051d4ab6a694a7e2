import { describe, expect, it } from 'vitest';
import { type AnsweredHit, nearestAnswered } from '../../src/kb/answered.js';
import { withLessons } from '../../src/pipeline/draft/candidates.js';
import type { ArticleCandidate } from '../../src/pipeline/draft/confidence.js';
import { answeredConfidence } from '../../src/pipeline/draft/confidence.js';

const terms = (config: string, pairs: [string, number][]) =>
  pairs.map(([lexeme, weight]) => ({ config, lexeme, weight }));
const hit = (id: string, articleId: string, pairs: [string, number][], config = 'english') => ({
  id,
  articleId,
  config,
  lexemes: pairs.map(([l]) => l),
  weights: pairs.map(([, w]) => w),
});

describe('nearestAnswered', () => {
  it('is the IDF-weighted Dice of the two questions, best lesson per article, best first', () => {
    const q = terms('english', [
      ['rebat', 3],
      ['want', 1],
    ]);
    const hits: AnsweredHit[] = [
      hit('a1', 'refund', [
        ['rebat', 3],
        ['want', 1],
      ]),
      hit('a2', 'refund', [
        ['rebat', 3],
        ['order', 2],
      ]),
      hit('b1', 'invoice', [
        ['want', 1],
        ['invoic', 3],
      ]),
    ];
    expect(nearestAnswered(q, hits)).toEqual([
      { articleId: 'refund', questionId: 'a1', similarity: 1 },
      { articleId: 'invoice', questionId: 'b1', similarity: 2 / 8 },
    ]);
  });

  it('a rare shared word counts more than a common one', () => {
    const q = terms('english', [
      ['rebat', 4],
      ['order', 0.5],
    ]);
    const [rare] = nearestAnswered(q, [
      hit('x', 'refund', [
        ['rebat', 4],
        ['track', 0.5],
      ]),
    ]);
    const [common] = nearestAnswered(q, [
      hit('y', 'track', [
        ['order', 0.5],
        ['track', 4],
      ]),
    ]);
    expect(rare!.similarity).toBeGreaterThan(0.8);
    expect(common!.similarity).toBeLessThan(0.2);
  });

  it('compares within one text-search configuration only', () => {
    const q = terms('german', [['rabatt', 3]]);
    expect(nearestAnswered(q, [hit('x', 'refund', [['rabatt', 3]], 'english')])).toEqual([]);
  });
});

const article = (articleId: string, confidence: number): ArticleCandidate => ({
  articleId,
  passages: [],
  features: { vector: 0, vectorSpread: 0, unknown: 0, matched: 0 },
  confidence,
});

describe('withLessons', () => {
  it("keeps search's order when no lesson is surer than the best-ranked article", () => {
    const out = withLessons(
      [article('a', 0.8), article('b', 0.4)],
      [{ articleId: 'b', questionId: 'q', similarity: 0.5, confidence: 0.6 }],
    );
    expect(out.map((a) => [a.articleId, a.confidence])).toEqual([
      ['a', 0.8],
      ['b', 0.6],
    ]);
    expect(out[1]!.answered).toEqual({ questionId: 'q', similarity: 0.5, confidence: 0.6 });
  });

  it('moves an article the team chose ahead when its lesson is surer, and never lowers a confidence', () => {
    const out = withLessons(
      [article('a', 0.3), article('b', 0.2), article('c', 0.9)],
      [
        { articleId: 'b', questionId: 'q1', similarity: 0.9, confidence: 0.95 },
        { articleId: 'c', questionId: 'q2', similarity: 0.1, confidence: 0.05 },
      ],
    );
    expect(out.map((a) => [a.articleId, a.confidence])).toEqual([
      ['b', 0.95],
      ['a', 0.3],
      ['c', 0.9],
    ]);
  });
});

describe('answeredConfidence', () => {
  it('is a half where lessons became right about as often as wrong (similarity ≈ 0.51)', () => {
    expect(answeredConfidence(0.51)).toBeCloseTo(0.5, 1);
    expect(answeredConfidence(0.2)).toBeLessThan(0.2);
    expect(answeredConfidence(0.9)).toBeGreaterThan(0.9);
  });
});
