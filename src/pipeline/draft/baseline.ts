import path from 'node:path';
import type { Db } from '../../db/client.js';
import { termsOfSearch } from '../../kb/evidence.js';
import { perKbState } from '../../kb/kb-state.js';
import { textConfigFor } from '../../kb/language.js';
import { type SearchOptions, searchKnowledgeBase } from '../../kb/search.js';
import { fileLines, wordnetDictDir } from '../../kb/synonyms.js';
import {
  type ConfidenceFeatures,
  confidenceFeatureKeys,
  type KbBaseline,
  rawArticleFeatures,
} from './confidence.js';

/*
 * What a question the knowledge base cannot answer looks like *on this knowledge base*: the mean
 * and spread of each confidence feature over sentences about anything at all (WordNet's usage
 * examples: "The chimney exhales a thick smoke"). The same raw feature means different things
 * on different KBs — on 27 FAQ articles most words of any question are unknown, on 1,167 ticket
 * answers almost every word is known and some article shares three words with any question — so
 * the confidence model reads each feature as its distance from this baseline in baseline standard
 * deviations. Measured on the two eval sets (scripts/fit-draft-confidence.ts), this is what lets
 * one threshold hold on both; per-question normalisations alone left the two KBs' best thresholds
 * at 0.34 and 0.81.
 */

/** Reference sentences per baseline: enough for a stable mean and spread (±0.02 on 300). */
const REFERENCE_COUNT = 120;
/** Reference sentences retrieved at once. */
const CONCURRENCY = 4;
/**
 * Spread floors. A KB where every reference sentence scores alike must not divide by ~0 — and the
 * word features need more: on a KB of a handful of articles almost no reference sentence shares a
 * word with it (unknown ≈ 1, matched ≈ 0 for nearly all), so their spread comes out small (0.10
 * on a 7-article KB) and one generic word a customer question shares with an article ("get",
 * "order") would read as two or three spreads of evidence: an off-topic question got a confident
 * draft. Customer questions share such words with any support KB, which WordNet's sentences do
 * not. 0.15 is below what the 27-article FAQ measures (0.19 / 0.16) and the 1,167-answer KB's
 * `unknown` (0.25); its `matched` sits just under it, and eval:drafts there is unchanged within
 * run-to-run noise (abstainedOffTopic 0.89, against 0.885–0.895 before). On a 7-article KB an
 * off-topic question's confidence went 0.71 → 0.56 and 0.59 → 0.38.
 */
const MIN_SD: Record<keyof ConfidenceFeatures, number> = {
  vector: 0.05,
  // Measured 0.010 (ticket answers), 0.011 (bitext), 0.017 (seven one-line articles).
  vectorSpread: 0.01,
  unknown: 0.15,
  matched: 0.15,
};

let references: string[] | undefined;

/**
 * Every n-th usage example of WordNet's verbs, nouns and adjectives (one-line quotes of four words
 * or more): a deterministic, download-free sample of general English. The 21 MB of the three
 * files are scanned line by line: read whole, they were one string each, and the sentences kept
 * here (slices of it) held all of it in the heap for the life of the process.
 */
export function referenceSentences(count = REFERENCE_COUNT): string[] {
  if (references && references.length === count) return references;
  const all: string[] = [];
  for (const pos of ['verb', 'noun', 'adj']) {
    for (const line of fileLines(path.join(wordnetDictDir(), `data.${pos}`))) {
      for (const m of line.matchAll(/"([^"\n]{20,120})"/g)) {
        if (m[1]!.trim().split(/\s+/).length >= 4) all.push(m[1]!.trim());
      }
    }
  }
  const step = all.length / count;
  // Copies: a slice would keep its whole chunk of the file alive.
  references = Array.from({ length: count }, (_, i) =>
    Buffer.from(all[Math.floor(i * step)]!).toString(),
  );
  return references;
}

/** Top article's raw features for one question, as the draft step retrieves (candidates.ts). */
export async function topArticleFeatures(
  db: Db,
  query: string,
  options: SearchOptions,
): Promise<ConfidenceFeatures | null> {
  const search = await searchKnowledgeBase(
    db,
    { query, limit: 8, perArticle: 2, terms: true },
    options,
  );
  const first = search.passages[0];
  if (!first) return null;
  const ids = [...new Set(search.passages.map((p) => p.articleId))];
  const terms = await termsOfSearch(db, search, ids, [textConfigFor(first.language)]);
  return rawArticleFeatures(
    search.passages.filter((p) => p.articleId === first.articleId),
    terms,
    search.vectorScores,
  );
}

/** The baseline of the knowledge base as it is now (one retrieval per reference sentence). */
export async function computeKbBaseline(db: Db, options: SearchOptions): Promise<KbBaseline> {
  const sentences = referenceSentences();
  const rows: ConfidenceFeatures[] = [];
  // A few at a time: the first draft after a KB change waits for this (2–3 s on a thousand
  // articles when the machine is idle), and the pool has connections to spare.
  for (let i = 0; i < sentences.length; i += CONCURRENCY) {
    const batch = sentences.slice(i, i + CONCURRENCY);
    const features = await Promise.all(batch.map((s) => topArticleFeatures(db, s, options)));
    // A sentence nothing matches scores as a question with no candidate at all.
    for (const f of features)
      rows.push(f ?? { vector: 0, vectorSpread: 0, unknown: 1, matched: 0 });
  }
  return summarise(rows);
}

export function summarise(rows: readonly ConfidenceFeatures[]): KbBaseline {
  const out = {} as KbBaseline;
  for (const key of confidenceFeatureKeys) {
    const values = rows.map((r) => r[key]);
    const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length);
    out[key] = { mean, sd: Math.max(MIN_SD[key], Math.sqrt(variance)) };
  }
  return out;
}

/** An empty KB has no candidates to score: nothing reads this. */
const EMPTY: KbBaseline = {
  vector: { mean: 0, sd: 1 },
  vectorSpread: { mean: 0, sd: 1 },
  unknown: { mean: 1, sd: 1 },
  matched: { mean: 0, sd: 1 },
};

/**
 * The baseline for `db`'s knowledge base: computed once per KB state (a few seconds on a thousand
 * articles), the previous one serving while a changed KB's is computed (`perKbState`). `known`:
 * the KB's signature as the caller read it with its other reads (`kbSignatureSql`).
 */
export const kbBaseline: (db: Db, options: SearchOptions, known?: string) => Promise<KbBaseline> =
  perKbState(computeKbBaseline, EMPTY);
