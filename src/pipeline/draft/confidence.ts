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

export interface ArticleCandidate {
  articleId: string;
  /** Passages of this article in rank order. */
  passages: Passage[];
  features: ConfidenceFeatures;
  confidence: number;
}

const idf = (t: QueryTerm) => Math.log(1 + (t.n - t.df + 0.5) / (t.df + 0.5));
const clamp = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Logistic model over the features above, fitted on public data from two unlike knowledge bases
 * (the bitext FAQ: 27 articles, short questions; the agents' answers to the multilingual tickets:
 * 1,167 articles in five languages, long questions), each with CLINC150 out-of-scope and
 * other-domain questions as the unanswerable class, on a fit split disjoint from the eval:drafts
 * sets (scripts/fit-draft-confidence.ts). Every feature is normalised per query (its own word
 * weights, a similarity bounded by 1, a count of its own words), so the same weights carry over
 * to a knowledge base of another size and wording. ROC AUC on the fit split: 0.91 bitext, 0.999
 * tickets. Among the features tried, raw and ceiling-normalised BM25F, coverage of the query's
 * weight and the margin over the runner-up added nothing on top of these three, or transferred
 * badly (BM25F over its ceiling separated bitext and inverted on the long ticket queries).
 */
export const confidenceModel = {
  bias: -1.55,
  vector: 5.4,
  unknown: -2.15,
  matched: 3.39,
};

export function confidenceOf(f: ConfidenceFeatures, model = confidenceModel): number {
  const z =
    model.bias + model.vector * f.vector + model.unknown * f.unknown + model.matched * f.matched;
  return 1 / (1 + Math.exp(-z));
}

/**
 * Groups passages by article (best first) and scores each article on its own: an article's
 * confidence does not depend on the other articles, so a second one is quoted only when it passes
 * the gate by itself.
 */
export function rankArticles(
  passages: readonly Passage[],
  terms: readonly QueryTerm[],
  model = confidenceModel,
): ArticleCandidate[] {
  const byArticle = new Map<string, Passage[]>();
  for (const p of passages) {
    const list = byArticle.get(p.articleId);
    if (list) list.push(p);
    else byArticle.set(p.articleId, [p]);
  }
  const groups = [...byArticle.entries()];
  return groups.map(([articleId, list]) => {
    const config = textConfigFor(list[0]!.language);
    const own = terms.filter((t) => t.textConfig === config && !t.lexeme.includes('\u001f'));
    const total = own.reduce((sum, t) => sum + idf(t), 0);
    const unknown = own.filter((t) => t.df === 0).reduce((sum, t) => sum + idf(t), 0);
    const matched = own.filter((t) => t.articles.includes(articleId)).length;
    const features: ConfidenceFeatures = {
      vector: clamp(Math.max(0, ...list.map((p) => p.scores.vector ?? 0))),
      unknown: total > 0 ? clamp(unknown / total) : 1,
      matched: clamp(matched / 4),
    };
    return { articleId, passages: list, features, confidence: confidenceOf(features, model) };
  });
}
