import { describe, expect, it } from 'vitest';
import type { ArticleCandidate } from '../../../src/pipeline/draft/confidence.js';
import { gateArticles, withUnavailableUse } from '../../../src/pipeline/draft/draft.js';
import { parseInstructions } from '../../../src/pipeline/draft/instructions.js';

const candidate = (articleId: string, confidence: number, language = 'en'): ArticleCandidate => ({
  articleId,
  confidence,
  features: { vector: 0, vectorSpread: 0, unknown: 0, matched: 0 },
  passages: [
    {
      chunkId: `${articleId}-1`,
      articleId,
      externalId: articleId,
      title: articleId,
      url: null,
      section: '',
      text: '',
      tags: [],
      language,
      score: confidence,
      scores: { lexical: null, vector: null, lexicalRank: null, vectorRank: null },
    },
  ],
});

const gate = (articles: ArticleCandidate[], language = 'en') =>
  gateArticles(articles, {
    minConfidence: 0.5,
    language,
    options: parseInstructions(null),
    previous: null,
  }).map((a) => a.articleId);

describe('gateArticles', () => {
  it('answers from the best-ranked article when it passes', () => {
    expect(gate([candidate('a', 0.7), candidate('b', 0.6)])).toEqual(['a']);
    expect(gate([candidate('a', 0.7), candidate('b', 0.95)])).toEqual(['a', 'b']);
  });

  it('abstains when the best-ranked article fails the gate, even if a lower-ranked one passes', () => {
    expect(gate([candidate('a', 0.3), candidate('b', 0.8)])).toEqual([]);
  });

  it("ranks articles in the draft's language first", () => {
    expect(gate([candidate('de', 0.3, 'de'), candidate('en', 0.8)])).toEqual(['en']);
    expect(gate([candidate('de', 0.9, 'de'), candidate('en', 0.3)])).toEqual([]);
  });
});

describe('parseInstructions', () => {
  it('reads use / exclude by number, each phrase once', () => {
    expect(parseInstructions('use article 2')).toMatchObject({ use: 2, exclude: [] });
    expect(parseInstructions('quote [3] only')).toMatchObject({
      use: 3,
      applied: ['use article 3'],
    });
    // "don't use source 1" contains "use source 1": it is an exclusion, not also a pick.
    expect(parseInstructions("don't use source 1")).toMatchObject({
      use: null,
      exclude: [1],
      applied: ['exclude source 1'],
    });
    expect(parseInstructions('exclude source 1 and use article 3, shorter')).toMatchObject({
      use: 3,
      exclude: [1],
      length: 0.55,
      applied: ['shorter', 'exclude source 1', 'use article 3'],
      ignored: [],
    });
  });
});

describe('withUnavailableUse', () => {
  const articles = [candidate('a', 0.7), candidate('b', 0.6)];

  it('keeps "use article N" when there is an article N', () => {
    const options = parseInstructions('use article 2, shorter');
    expect(withUnavailableUse(articles, options, null)).toBe(options);
    expect(
      gateArticles(articles, { minConfidence: 0.5, language: 'en', options, previous: null }).map(
        (a) => a.articleId,
      ),
    ).toEqual(['b']);
  });

  it('reports "use article N" as not applied when there is no article N', () => {
    const options = withUnavailableUse(articles, parseInstructions('use article 7, shorter'), null);
    expect(options).toMatchObject({
      use: null,
      applied: ['shorter'],
      ignored: ['use article 7: there is no article 7 to use'],
    });
    // The draft is then the ordinary one.
    expect(
      gateArticles(articles, { minConfidence: 0.5, language: 'en', options, previous: null }).map(
        (a) => a.articleId,
      ),
    ).toEqual(['a']);
  });
});
