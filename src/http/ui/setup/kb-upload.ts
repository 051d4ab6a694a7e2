import { importUploadedKb, uploadedFilesOf } from '../../../pipeline/first-run.js';
import { renderWelcome, type SetupApp, type SetupDeps } from './shared.js';

/** POST /app/welcome/kb: imports uploaded knowledge-base files, indexed at once. */
export function registerKbUploadForm(app: SetupApp, deps: SetupDeps) {
  app.post('/app/welcome/kb', async (c) => {
    const files = await uploadedFilesOf((await c.req.parseBody({ all: true })).files);
    if (files.length === 0) {
      return renderWelcome(
        deps,
        c,
        { kind: 'error', text: 'Choose at least one file to upload.' },
        400,
      );
    }
    try {
      const reports = await importUploadedKb(deps, files);
      const created = reports.reduce((n, r) => n + r.created, 0);
      const updated = reports.reduce((n, r) => n + r.updated, 0);
      const indexed = reports.reduce((n, r) => n + r.indexed, 0);
      return renderWelcome(deps, c, {
        kind: 'ok',
        text: `Knowledge base: ${created} new and ${updated} updated article(s), ${indexed} indexed and searchable now.`,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return renderWelcome(deps, c, { kind: 'error', text: `Nothing imported: ${message}` }, 400);
    }
  });
}
