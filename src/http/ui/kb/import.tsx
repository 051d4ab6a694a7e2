import type { Deps } from '../../../deps.js';
import { importUploadedKb, uploadedFilesOf } from '../../../pipeline/first-run.js';
import type { PageNotice } from '../layout.js';
import { renderKbList } from './list.js';
import type { KbApp } from './shared.js';

/**
 * POST /app/kb/import: uploaded Markdown, HTML, text, CSV, JSONL or Help Center export files,
 * imported and indexed at once (as the welcome checklist's upload does); the list again, with
 * what was imported or why nothing was.
 */
export function registerKbImportForm(app: KbApp, deps: Deps) {
  app.post('/app/kb/import', async (c) => {
    const files = await uploadedFilesOf((await c.req.parseBody({ all: true })).files);
    let notice: PageNotice;
    let status: 200 | 400 = 200;
    if (files.length === 0) {
      notice = { kind: 'error', text: 'Choose at least one file to import.' };
      status = 400;
    } else {
      try {
        const reports = await importUploadedKb(deps, files);
        const sum = (k: 'created' | 'updated' | 'indexed') => reports.reduce((n, r) => n + r[k], 0);
        notice = {
          kind: 'ok',
          text: `Imported: ${sum('created')} new and ${sum('updated')} updated article(s), ${sum('indexed')} indexed and searchable now.`,
        };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        notice = { kind: 'error', text: `Nothing imported: ${message}` };
        status = 400;
      }
    }
    // The primary: the list must show what was just imported.
    return renderKbList(c, deps.db, { page: 1 }, notice, status);
  });
}
