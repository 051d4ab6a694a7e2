import type { Db } from '../../db/client.js';
import { kbImport } from '../../kb/import-path.js';
import type { Embedder } from '../../models/embedder/types.js';

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
    throw new Error(
      'usage: kb import <dir | file.jsonl | export.json> [--source s] [--keep] [--queue]',
    );
  const report = await kbImport(db, target, {
    source: flags.source,
    prune: flags.keep !== true,
    index: flags.queue ? 'queue' : 'inline',
    embedder,
  });
  console.log(JSON.stringify({ ...report, toIndex: report.toIndex.length }));
}
