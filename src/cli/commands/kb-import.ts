import type { Db } from '../../db/client.js';
import { kbImport } from '../../kb/import-path.js';
import { ArticleParseError } from '../../kb/sources/jsonl.js';
import { ArticleSourceMissingError } from '../../kb/sources/load.js';
import type { Embedder } from '../../models/embedder/types.js';
import { CliUsageError } from '../errors.js';

/** What `kb import` reads: the same formats as the first-run page's upload. */
const KB_IMPORT_TARGETS = '<dir | file.md|.html|.txt | file.jsonl | file.csv | export.json>';

export { kbImport } from '../../kb/import-path.js';

/**
 * The `kb import <target> [--source s] [--keep] [--queue]` command body: prints one JSON line.
 * `--keep` keeps articles missing from the target; `--queue` leaves indexing to the workers.
 */
export async function kbImportCommand(
  db: Db,
  target: string | undefined,
  flags: { source?: string; keep?: boolean; queue?: boolean },
  embedder: Embedder,
): Promise<void> {
  if (!target)
    throw new CliUsageError(
      `usage: kb import ${KB_IMPORT_TARGETS} [--source s] [--keep] [--queue]`,
    );
  const report = await kbImport(db, target, {
    source: flags.source,
    prune: flags.keep !== true,
    index: flags.queue ? 'queue' : 'inline',
    embedder,
  }).catch((err: unknown) => {
    // A wrong path or a malformed file is a mistake in what was typed: one line, exit code 2.
    if (err instanceof ArticleSourceMissingError || err instanceof ArticleParseError) {
      throw new CliUsageError(err.message);
    }
    throw err;
  });
  console.log(JSON.stringify({ ...report, toIndex: report.toIndex.length }));
}
