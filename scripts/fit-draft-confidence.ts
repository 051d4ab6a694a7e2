/**
 * Fits the draft confidence model (src/pipeline/draft/confidence.ts) on the `--split fit` sets of
 * scripts/draft-eval-sets.ts — disjoint from the eval:drafts sets — pooled over both knowledge
 * bases, and prints the weights with each set's ROC AUC and its answered / abstained shares at
 * the 0.5 threshold:
 *
 *   npx tsx scripts/draft-eval-sets.ts --split fit --out /tmp/draft-fit
 *   DATABASE_URL=… npx tsx scripts/fit-draft-confidence.ts /tmp/draft-fit/bitext /tmp/draft-fit/tickets
 *
 * It also prints how the model carries over: fitted on one knowledge base and scored on the
 * other (`transfer`), and a 5-fold cross-validation of the pooled fit (`cv`).
 *
 * Logistic regression by batch gradient descent with a little L2: four features, a few hundred
 * rows each; a library would add nothing here.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withFreshPglite, withFreshPostgres } from '../src/cli/fresh-store.js';
import type { Database } from '../src/db/client.js';
import { indexEvalCorpus } from '../src/kb/eval.js';
import type { QueryTerm } from '../src/kb/evidence.js';
import { queryTerms } from '../src/kb/evidence.js';
import { type Passage, searchKnowledgeBase } from '../src/kb/search.js';
import { parseArticlesJsonl } from '../src/kb/sources/jsonl.js';
import { thesaurusFor } from '../src/kb/synonyms.js';
import { HashedEmbedder } from '../src/models/embedder/hashed.js';
import {
  type ConfidenceFeatures,
  confidenceOf,
  rankArticles,
} from '../src/pipeline/draft/confidence.js';
import { parseDraftEvalTickets } from '../src/pipeline/draft/evaluate.js';

const keys = ['vector', 'unknown', 'matched'] as const;
type Row = { set: string; x: ConfidenceFeatures; y: number };
/** What retrieval returned for one question: kept in a cache file so features can be reworked. */
type Retrieved = {
  set: string;
  y: number;
  query: string;
  relevant: string[];
  passages: Passage[];
  terms: QueryTerm[];
};

const empty: ConfidenceFeatures = { vector: 0, unknown: 1, matched: 0 };
const toRow = (r: Retrieved): Row => ({
  set: r.set,
  y: r.y,
  x: rankArticles(r.passages, r.terms)[0]?.features ?? empty,
});

async function retrieve(dir: string): Promise<Retrieved[]> {
  const cache = path.join(dir, 'retrieved.json');
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Retrieved[];
  const docs = parseArticlesJsonl(readFileSync(path.join(dir, 'docs.jsonl'), 'utf8'));
  const tickets = parseDraftEvalTickets(readFileSync(path.join(dir, 'tickets.jsonl'), 'utf8'));
  const run = async (database: Database) => {
    const embedder = new HashedEmbedder();
    await indexEvalCorpus(database.db, docs, embedder);
    const rows: Retrieved[] = [];
    for (const t of tickets) {
      // As the draft step retrieves (candidates.ts).
      const search = await searchKnowledgeBase(
        database.db,
        { query: t.query, limit: 8, perArticle: 2 },
        { embedders: [embedder], synonyms: thesaurusFor('wordnet') },
      );
      const ids = [...new Set(search.passages.map((p) => p.articleId))];
      const terms = await queryTerms(database.db, t.query, ids);
      rows.push({
        set: path.basename(dir),
        y: t.relevant.length > 0 ? 1 : 0,
        query: t.query,
        relevant: t.relevant,
        passages: search.passages.map((p) => ({ ...p, text: '' })),
        terms,
      });
    }
    return rows;
  };
  const url = process.env.DATABASE_URL;
  const rows = url ? await withFreshPostgres(url, run) : await withFreshPglite(run);
  writeFileSync(cache, JSON.stringify(rows));
  return rows;
}

function fitLogistic(rows: Row[]) {
  const w = { bias: 0, vector: 0, unknown: 0, matched: 0 };
  // Each set weighs the same, whatever its size, and each class within it.
  const weightOf = new Map<string, number>();
  for (const r of rows) weightOf.set(`${r.set}/${r.y}`, (weightOf.get(`${r.set}/${r.y}`) ?? 0) + 1);
  const lr = 1;
  const l2 = 1e-3;
  for (let epoch = 0; epoch < 5000; epoch++) {
    const g = { bias: 0, vector: 0, unknown: 0, matched: 0 };
    let total = 0;
    for (const r of rows) {
      const sw = 1 / weightOf.get(`${r.set}/${r.y}`)!;
      const err = (confidenceOf(r.x, w) - r.y) * sw;
      g.bias += err;
      for (const k of keys) g[k] += err * r.x[k];
      total += sw;
    }
    w.bias -= (lr * g.bias) / total;
    for (const k of keys) w[k] -= lr * (g[k] / total + l2 * w[k]);
  }
  return w;
}

function auc(rows: Row[], w: Parameters<typeof confidenceOf>[1]) {
  const pos = rows.filter((r) => r.y === 1).map((r) => confidenceOf(r.x, w));
  const neg = rows.filter((r) => r.y === 0).map((r) => confidenceOf(r.x, w));
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / Math.max(1, pos.length * neg.length);
}

const dirs = process.argv.slice(2);
const rows = (await Promise.all(dirs.map(retrieve))).flat().map(toRow);
for (const k of keys) {
  const one = { bias: 0, vector: 0, unknown: 0, matched: 0, [k]: 1 };
  console.log(
    JSON.stringify({
      feature: k,
      auc: dirs.map((d) =>
        Number(
          auc(
            rows.filter((r) => r.set === path.basename(d)),
            one,
          ).toFixed(3),
        ),
      ),
    }),
  );
}
const w = fitLogistic(rows);
const round = (n: number) => Number(n.toFixed(3));
console.log(JSON.stringify(Object.fromEntries(Object.entries(w).map(([k, v]) => [k, round(v)]))));
for (const dir of dirs) {
  const set = path.basename(dir);
  const own = rows.filter((r) => r.set === set);
  const at = (threshold: number) => ({
    threshold,
    answered: round(
      own.filter((r) => r.y === 1 && confidenceOf(r.x, w) >= threshold).length /
        own.filter((r) => r.y === 1).length,
    ),
    abstainedOffTopic: round(
      own.filter((r) => r.y === 0 && confidenceOf(r.x, w) < threshold).length /
        own.filter((r) => r.y === 0).length,
    ),
  });
  console.log(
    JSON.stringify({ set, auc: round(auc(own, w)), at: [0.3, 0.4, 0.5, 0.6, 0.7].map(at) }),
  );
}

/** Answered / abstained shares of `own` at the 0.5 threshold under weights `w`. */
function shares(own: Row[], w: Parameters<typeof confidenceOf>[1]) {
  const pos = own.filter((r) => r.y === 1);
  const neg = own.filter((r) => r.y === 0);
  return {
    auc: round(auc(own, w)),
    answered: round(pos.filter((r) => confidenceOf(r.x, w) >= 0.5).length / pos.length),
    abstainedOffTopic: round(neg.filter((r) => confidenceOf(r.x, w) < 0.5).length / neg.length),
  };
}

// Transfer across knowledge bases: fitted on one, scored on another it never saw.
const sets = dirs.map((d) => path.basename(d));
for (const train of sets) {
  const wTrain = fitLogistic(rows.filter((r) => r.set === train));
  for (const test of sets.filter((s) => s !== train)) {
    console.log(
      JSON.stringify({
        transfer: `${train} -> ${test}`,
        ...shares(
          rows.filter((r) => r.set === test),
          wTrain,
        ),
      }),
    );
  }
}
// 5-fold cross-validation of the pooled fit: each fifth scored by weights fitted on the rest.
const folds = 5;
const scored = new Map<Row, number>();
for (let k = 0; k < folds; k++) {
  const wk = fitLogistic(rows.filter((_, i) => i % folds !== k));
  rows.forEach((r, i) => {
    if (i % folds === k) scored.set(r, confidenceOf(r.x, wk));
  });
}
for (const set of sets) {
  const own = rows.filter((r) => r.set === set);
  const pos = own.filter((r) => r.y === 1);
  const neg = own.filter((r) => r.y === 0);
  console.log(
    JSON.stringify({
      cv: `${folds}-fold`,
      set,
      answered: round(pos.filter((r) => scored.get(r)! >= 0.5).length / pos.length),
      abstainedOffTopic: round(neg.filter((r) => scored.get(r)! < 0.5).length / neg.length),
    }),
  );
}
