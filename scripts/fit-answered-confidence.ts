/**
 * Fits `answeredModel` (src/pipeline/draft/confidence.ts): how sure a new question is answered by
 * the article an agent sent for its nearest answered question (src/kb/answered.ts), from the two
 * questions' similarity. Data with many phrasings per answer, disjoint from the eval:drafts sets:
 *
 * - CLINC150: 150 intents; 10 training utterances per intent are the team's answered questions,
 *   10 test utterances per intent and 500 out-of-scope ones are the new questions;
 * - the bitext FAQ's fit split (scripts/draft-eval-sets.ts --split fit): its first half of
 *   on-topic questions answered, the rest (and its off-topic ones) new.
 *
 * A new question's row: its nearest answered question's similarity, labelled 1 when that
 * question's answer is the new one's (same intent / article), 0 otherwise (another answer, or
 * out of scope). Similarity weighs words by IDF in a knowledge base, so the whole fit is run
 * against the KB given (`--kb docs.jsonl`): run it with two unlike KBs to see the weights hold.
 *
 *   npx tsx scripts/draft-eval-sets.ts --split fit --out /tmp/draft-fit
 *   DATABASE_URL=… npx tsx scripts/fit-answered-confidence.ts --kb <docs.jsonl> \
 *     --clinc ../shared/data/classification/clinc150/data_full.json --bitext /tmp/draft-fit/bitext
 *
 * Logistic regression on one feature by gradient descent, each class weighing the same (as the
 * draft confidence model is fitted): two weights, a library would add nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { withFreshPglite, withFreshPostgres } from '../src/cli/fresh-store.js';
import type { Database } from '../src/db/client.js';
import { type AnsweredHit, analyseQuestion, nearestAnswered } from '../src/kb/answered.js';
import { indexEvalCorpus } from '../src/kb/eval.js';
import { parseArticlesJsonl } from '../src/kb/sources/jsonl.js';
import { HashedEmbedder } from '../src/models/embedder/hashed.js';
import { answeredConfidence, answeredModel } from '../src/pipeline/draft/confidence.js';
import { parseDraftEvalTickets } from '../src/pipeline/draft/evaluate.js';

const { values } = parseArgs({
  options: {
    kb: { type: 'string' },
    clinc: { type: 'string' },
    bitext: { type: 'string' },
  },
});
if (!values.kb || !values.clinc || !values.bitext) {
  console.error(
    'Usage: fit-answered-confidence.ts --kb <docs.jsonl> --clinc <data_full.json> --bitext <dir>',
  );
  process.exit(2);
}

type Labelled = { text: string; label: string | null };
type Set = { name: string; answered: Labelled[]; asked: Labelled[] };
type Row = { set: string; x: number; y: number };

function clincSet(file: string): Set {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, [string, string][]>;
  const take = (rows: [string, string][], per: number) => {
    const seen = new Map<string, number>();
    return rows.filter(([, label]) => {
      const n = seen.get(label) ?? 0;
      seen.set(label, n + 1);
      return n < per;
    });
  };
  return {
    name: 'clinc150',
    answered: take(data.train!, 10).map(([text, label]) => ({ text, label })),
    asked: [
      ...take(data.test!, 10).map(([text, label]) => ({ text, label })),
      ...data.oos_test!.slice(0, 500).map(([text]) => ({ text, label: null })),
    ],
  };
}

function bitextSet(dir: string): Set {
  const tickets = parseDraftEvalTickets(readFileSync(path.join(dir, 'tickets.jsonl'), 'utf8'));
  const on = tickets.filter((t) => t.relevant.length > 0);
  const half = Math.floor(on.length / 2);
  return {
    name: 'bitext-fit',
    answered: on.slice(0, half).map((t) => ({ text: t.query, label: t.relevant[0]! })),
    asked: [
      ...on.slice(half).map((t) => ({ text: t.query, label: t.relevant[0]! })),
      ...tickets
        .filter((t) => t.relevant.length === 0)
        .map((t) => ({ text: t.query, label: null })),
    ],
  };
}

async function rowsOf(db: Database['db'], set: Set): Promise<Row[]> {
  const hits: AnsweredHit[] = [];
  for (const [i, a] of set.answered.entries()) {
    const { lexemes, weights } = await analyseQuestion(db, 'english', a.text);
    hits.push({ id: String(i), articleId: a.label!, config: 'english', lexemes, weights });
  }
  const rows: Row[] = [];
  for (const q of set.asked) {
    const { lexemes, weights } = await analyseQuestion(db, 'english', q.text);
    const terms = lexemes.map((lexeme, i) => ({ config: 'english', lexeme, weight: weights[i]! }));
    const [best] = nearestAnswered(terms, hits);
    rows.push({
      set: set.name,
      x: best?.similarity ?? 0,
      y: best && best.articleId === q.label ? 1 : 0,
    });
  }
  return rows;
}

function fit(rows: readonly Row[]): { bias: number; similarity: number } {
  const pos = rows.filter((r) => r.y === 1).length;
  const neg = rows.length - pos;
  const weightOf = (r: Row) => (r.y === 1 ? rows.length / (2 * pos) : rows.length / (2 * neg));
  let b = 0;
  let w = 0;
  for (let step = 0; step < 20_000; step++) {
    let gb = 0;
    let gw = 0;
    for (const r of rows) {
      const p = 1 / (1 + Math.exp(-(b + w * r.x)));
      const g = (p - r.y) * weightOf(r);
      gb += g;
      gw += g * r.x;
    }
    b -= (2 * gb) / rows.length;
    w -= (2 * gw) / rows.length;
  }
  return { bias: Number(b.toFixed(3)), similarity: Number(w.toFixed(3)) };
}

function auc(rows: readonly Row[]): number {
  const pos = rows.filter((r) => r.y === 1).map((r) => r.x);
  const neg = rows.filter((r) => r.y === 0).map((r) => r.x);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return Number((wins / Math.max(1, pos.length * neg.length)).toFixed(3));
}

/** At confidence ≥ 0.5: share of right answers taken, and share of the taken that are right. */
function atHalf(rows: readonly Row[], model: { bias: number; similarity: number }) {
  const taken = rows.filter((r) => answeredConfidence(r.x, model) >= 0.5);
  const right = rows.filter((r) => r.y === 1);
  return {
    recall: Number((taken.filter((r) => r.y === 1).length / Math.max(1, right.length)).toFixed(3)),
    precision: Number(
      (taken.filter((r) => r.y === 1).length / Math.max(1, taken.length)).toFixed(3),
    ),
  };
}

async function main() {
  const docs = parseArticlesJsonl(readFileSync(values.kb!, 'utf8'), values.kb!);
  const run = async (database: Database) => {
    await indexEvalCorpus(database.db, docs, new HashedEmbedder());
    const sets = [clincSet(values.clinc!), bitextSet(values.bitext!)];
    const rows = (await Promise.all(sets.map((s) => rowsOf(database.db, s)))).flat();
    const pooled = fit(rows);
    const report = {
      kb: path.basename(path.dirname(values.kb!)),
      pooled,
      shipped: answeredModel,
      sets: sets.map((s) => {
        const own = rows.filter((r) => r.set === s.name);
        return {
          set: s.name,
          rows: own.length,
          positives: own.filter((r) => r.y === 1).length,
          auc: auc(own),
          ownFit: fit(own),
          pooledAtHalf: atHalf(own, pooled),
          shippedAtHalf: atHalf(own, answeredModel),
        };
      }),
    };
    console.log(JSON.stringify(report, null, 1));
  };
  const url = process.env.DATABASE_URL;
  if (url) await withFreshPostgres(url, run);
  else await withFreshPglite(run);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
