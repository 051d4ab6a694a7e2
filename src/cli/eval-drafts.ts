import 'dotenv/config';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { generatorForRole } from '../build-deps.js';
import { loadConfig } from '../config/index.js';
import type { Database } from '../db/client.js';
import { createSettingsCache } from '../db/settings-cache.js';
import type { Queues } from '../jobs/queues.js';
import { indexEvalCorpus } from '../kb/eval.js';
import { normalizeLanguage } from '../kb/language.js';
import { parseArticlesJsonl } from '../kb/sources/jsonl.js';
import { spellingFor } from '../kb/spelling.js';
import { thesaurusFor } from '../kb/synonyms.js';
import { HashedEmbedder } from '../models/embedder/hashed.js';
import { createObservability } from '../observability/prometheus.js';
import { kbBaseline } from '../pipeline/draft/baseline.js';
import {
  type DraftEvalDeps,
  draftEvalReport,
  parseDraftEvalTickets,
  runDraftEval,
} from '../pipeline/draft/evaluate.js';
import { createClassifierStore } from '../pipeline/triage/classifier-store.js';
import { seedStarterData } from '../pipeline/triage/starter-taxonomy.js';
import { withFreshPglite, withFreshPostgres } from './fresh-store.js';

const usage = `Usage: npm run -s eval:drafts -- --docs <docs.jsonl> --tickets <tickets.jsonl>
       [--out report.html] [--rows rows.jsonl] [--learn]

Imports the docs into a fresh store (PGlite in memory, or a new database on DATABASE_URL's server,
dropped afterwards) through the real import path, runs every ticket through intake, triage and the
real draft step with the configured generator (extractive unless DRAFT_LLM is set) and the
configured DRAFT_* settings, and prints one JSON line of metrics (the last line).

docs.jsonl:    {"id","title","body","url"?,"language"?} per line (the eval:retrieval format)
tickets.jsonl: {"query","relevant":[doc ids],"language"?,"reference"?} per line;
               "relevant": [] marks a question the knowledge base cannot answer.

--rows:  one JSON line per ticket (its draft, citations, confidence), to compare runs.
--learn: replay as a team works: after each on-topic ticket, its agent sends the relevant
         article, and drafting learns the question (DRAFT_LEARN) before the next ticket.`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string' },
      tickets: { type: 'string' },
      out: { type: 'string' },
      rows: { type: 'string' },
      learn: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || !values.docs || !values.tickets) {
    console.error(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  // The entry point is the one place that reads the environment (STYLE: no env at import time).
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const docs = parseArticlesJsonl(await readFile(values.docs, 'utf8'), values.docs);
  const tickets = parseDraftEvalTickets(await readFile(values.tickets, 'utf8'));
  // Tickets without a language field are expected in the knowledge base's main language.
  const counts = new Map<string, number>();
  for (const d of docs) {
    const l = normalizeLanguage(d.language);
    counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  const kbLanguage = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'en';
  const log = pino({ level: config.LOG_LEVEL }, pino.destination(2));
  const draftLlm = generatorForRole(config, 'DRAFT_LLM');
  const run = async (database: Database) => {
    await seedStarterData(database.db);
    const embedder = new HashedEmbedder();
    await indexEvalCorpus(database.db, docs, embedder);
    const deps: DraftEvalDeps = {
      db: database.db,
      config,
      log,
      embedders: [embedder],
      thesaurus: thesaurusFor(config.KB_SYNONYMS),
      // No queue behind this run: the queue-depth gauge is never scraped.
      observability: createObservability(database.db, {} as Queues),
      classifierStore: createClassifierStore(database.db, log, { embedder }),
      settings: createSettingsCache(database.db),
      models: { classifierLlm: null, draftLlm },
      zendesk: null,
      // No inbox is open on an evaluation's throwaway store: live updates go nowhere.
      live: { publish: async () => {}, subscribe: () => () => {}, close: async () => {} },
    };
    // The classifier trains on first use, and the KB's confidence baseline is computed once per
    // KB state (baseline.ts): both outside the measured latencies, as a running service has them.
    await deps.classifierStore.current();
    await kbBaseline(database.db, {
      embedders: deps.embedders,
      synonyms: deps.thesaurus,
      spelling: spellingFor(config.KB_SPELLING),
    });
    const { metrics, rows } = await runDraftEval(deps, tickets, {
      kbLanguage,
      learn: values.learn ?? false,
    });
    if (values.out) await writeFile(values.out, draftEvalReport(metrics, rows));
    // One JSON line per ticket, for comparing two runs ticket by ticket.
    if (values.rows)
      await writeFile(values.rows, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    console.log(JSON.stringify(metrics));
  };
  try {
    const url = process.env.DATABASE_URL;
    if (url) await withFreshPostgres(url, run);
    else await withFreshPglite(run);
  } finally {
    await draftLlm?.close().catch(() => {});
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
