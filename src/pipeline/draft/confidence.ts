import type { QueryTerm } from '../../kb/evidence.js';
import { textConfigFor } from '../../kb/language.js';
import type { Passage } from '../../kb/search.js';

/** What the confidence of one candidate article is computed from; every feature is in [0, 1]. */
export interface ConfidenceFeatures {
  /** Best cosine similarity of one of its passages to the query (0 without vectors). */
  vector: number;
  /**
   * Share of the query's word weight (IDF) on words the knowledge base never uses: a question
   * about something the KB never mentions is the clearest sign it has no answer.
   */
  unknown: number;
  /** Distinct query words (stop words aside) the article contains, out of 4 (capped at 1). */
  matched: number;
}

/**
 * What a question the knowledge base cannot answer looks like on this knowledge base: each
 * feature's mean and spread over general-English sentences (baseline.ts).
 */
export type KbBaseline = Record<keyof ConfidenceFeatures, { mean: number; sd: number }>;

export interface ArticleCandidate {
  articleId: string;
  /** Passages of this article in rank order. */
  passages: Passage[];
  features: ConfidenceFeatures;
  confidence: number;
}

const idf = (t: QueryTerm) => Math.log(1 + (t.n - t.df + 0.5) / (t.df + 0.5));
const clamp = (x: number) => Math.min(1, Math.max(0, x));

/** The features in the order the model and the fit script read them. */
export const confidenceFeatureKeys = ['vector', 'unknown', 'matched'] as const;

/**
 * Logistic model over the features, each read as its distance from the knowledge base's baseline
 * (baseline.ts: mean and spread over general-English sentences no KB is about) in baseline
 * standard deviations. Fitted on public data from two unlike knowledge bases (the bitext FAQ: 27
 * articles, short questions; the agents' answers to the multilingual tickets: 1,167 articles in
 * five languages, long questions), each with CLINC150 out-of-scope and other-domain questions as
 * the unanswerable class, on a fit split disjoint from the eval:drafts sets, each set and class
 * weighing the same (scripts/fit-draft-confidence.ts). Without the baseline the same three raw
 * features ranked well on each KB (ROC AUC 0.93 / 0.99) but their best thresholds were 0.34 and
 * 0.81: a single default could not hold on both.
 */
export const confidenceModel = {
  bias: -2.905,
  vector: 0.646,
  unknown: -0.688,
  matched: 0.404,
};

export type ConfidenceModel = typeof confidenceModel;

/** The features' distances from the baseline, in baseline standard deviations. */
export function standardise(f: ConfidenceFeatures, baseline: KbBaseline): ConfidenceFeatures {
  const z = (key: keyof ConfidenceFeatures) => (f[key] - baseline[key].mean) / baseline[key].sd;
  return { vector: z('vector'), unknown: z('unknown'), matched: z('matched') };
}

export function confidenceOf(
  f: ConfidenceFeatures,
  baseline: KbBaseline,
  model: ConfidenceModel = confidenceModel,
): number {
  const s = standardise(f, baseline);
  const z =
    model.bias + model.vector * s.vector + model.unknown * s.unknown + model.matched * s.matched;
  return 1 / (1 + Math.exp(-z));
}

/** One article's raw features from its passages and the query's word statistics. */
export function rawArticleFeatures(
  list: readonly Passage[],
  terms: readonly QueryTerm[],
): ConfidenceFeatures {
  const articleId = list[0]!.articleId;
  const config = textConfigFor(list[0]!.language);
  // Numbers (order ids, amounts, versions) are never what makes a question off-topic, and are
  // almost never in the KB: they would count as unknown words.
  const own = terms.filter(
    (t) => t.textConfig === config && !t.lexeme.includes('\u001f') && !/\d/.test(t.lexeme),
  );
  const total = own.reduce((sum, t) => sum + idf(t), 0);
  const unknown = own.filter((t) => t.df === 0).reduce((sum, t) => sum + idf(t), 0);
  const matched = own.filter((t) => t.articles.includes(articleId)).length;
  return {
    // A query with no embeddable text has no direction: its cosine is NaN, read as no similarity.
    vector: clamp(Math.max(0, ...list.map((p) => p.scores.vector ?? 0).filter(Number.isFinite))),
    unknown: total > 0 ? clamp(unknown / total) : 1,
    matched: clamp(matched / 4),
  };
}

/**
 * Groups passages by article (best first) and scores each article on its own: an article's
 * confidence does not depend on the other articles, so a second one is quoted only when it passes
 * the gate by itself.
 */
export function rankArticles(
  passages: readonly Passage[],
  terms: readonly QueryTerm[],
  baseline: KbBaseline,
  model: ConfidenceModel = confidenceModel,
): ArticleCandidate[] {
  const byArticle = new Map<string, Passage[]>();
  for (const p of passages) {
    const list = byArticle.get(p.articleId);
    if (list) list.push(p);
    else byArticle.set(p.articleId, [p]);
  }
  return [...byArticle.entries()].map(([articleId, list]) => {
    const features = rawArticleFeatures(list, terms);
    return {
      articleId,
      passages: list,
      features,
      confidence: confidenceOf(features, baseline, model),
    };
  });
}
