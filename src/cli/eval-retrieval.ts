import 'dotenv/config';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { synonymsSettings } from '../config/settings.js';
import type { Database } from '../db/client.js';
import { type EvalMode, evaluateQueries, indexEvalCorpus, parseEvalQueries } from '../kb/eval.js';
import { parseArticlesJsonl } from '../kb/sources/jsonl.js';
import { englishWords } from '../kb/spelling.js';
import { thesaurusFor, WordNet } from '../kb/synonyms.js';
import { HashedEmbedder } from '../models/embedder/hashed.js';
import { withFreshPglite, withFreshPostgres } from './fresh-store.js';

const usage = `Usage: npm run -s eval:retrieval -- --docs <docs.jsonl> --queries <queries.jsonl>
    [--mode hybrid|lexical|vector|tsrank|all] [--lexical-weight 0.5] [--k1 1.2]
    [--synonyms wordnet|off] [--spelling on|off]

Indexes the docs into a fresh store (PGlite in memory, or a new database on DATABASE_URL's server,
dropped afterwards) through the real import and index path, runs every query through the real
search and prints one JSON line of metrics (the last line). --mode all prints ts_rank (baseline),
lexical and vector lines first, then hybrid. --synonyms defaults to KB_SYNONYMS (else wordnet), as
in the service. --spelling (default on, as the draft step searches) corrects query
words misspelt against the KB's own words (src/kb/spelling.ts).`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string' },
      queries: { type: 'string' },
      mode: { type: 'string', default: 'hybrid' },
      'lexical-weight': { type: 'string' },
      k1: { type: 'string' },
      synonyms: { type: 'string' },
      spelling: { type: 'string', default: 'on' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.docs || !values.queries) {
    console.error(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const modes: EvalMode[] =
    values.mode === 'all' ? ['tsrank', 'lexical', 'vector', 'hybrid'] : [values.mode as EvalMode];
  if (!modes.every((m) => ['hybrid', 'lexical', 'vector', 'tsrank'].includes(m))) {
    throw new Error(`--mode must be hybrid, lexical, vector, tsrank or all (got ${values.mode})`);
  }
  // The entry point is the one place that reads the environment (STYLE: no env at import time).
  const setting = values.synonyms ?? process.env.KB_SYNONYMS ?? 'wordnet';
  const synonyms = synonymsSettings.find((s) => s === setting);
  if (!synonyms) throw new Error(`--synonyms must be wordnet or off (got ${setting})`);
  const docs = parseArticlesJsonl(await readFile(values.docs, 'utf8'), values.docs);
  const queries = parseEvalQueries(await readFile(values.queries, 'utf8'));
  const embedder = new HashedEmbedder();
  const lexicalWeight = values['lexical-weight'] ? Number(values['lexical-weight']) : undefined;
  const run = async (database: Database) => {
    const indexMs = await indexEvalCorpus(database.db, docs, embedder);
    for (const mode of modes) {
      const metrics = await evaluateQueries(database.db, queries, {
        mode,
        indexMs,
        search: {
          embedders: [embedder],
          synonyms: thesaurusFor(synonyms),
          spelling: values.spelling === 'off' ? null : englishWords(new WordNet()),
          lexicalWeight,
          bm25f: values.k1 ? { k1: Number(values.k1) } : undefined,
        },
      });
      console.log(
        JSON.stringify(modes.length > 1 && mode !== 'hybrid' ? { mode, ...metrics } : metrics),
      );
    }
  };
  const url = process.env.DATABASE_URL;
  if (url) await withFreshPostgres(url, run);
  else await withFreshPglite(run);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
