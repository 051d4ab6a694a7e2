import { z } from 'zod';
import { createIntegrationKey } from '../../../pipeline/first-run.js';
import { firstIssue, renderWelcome, type SetupApp, type SetupDeps } from './shared.js';

const integrationKeyForm = z.object({ name: z.string().trim().max(100).default('') });

/**
 * POST /app/welcome/integration-key: creates an integration key for the generic JSON webhook and
 * shows it once, with the curl that tries it (the page is `no-store`, as every /app page).
 */
export function registerIntegrationKeyForm(app: SetupApp, deps: SetupDeps) {
  app.post('/app/welcome/integration-key', async (c) => {
    const form = integrationKeyForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      return renderWelcome(deps, c, { kind: 'error', text: firstIssue(form.error) }, 400);
    }
    const created = await createIntegrationKey(deps.db, form.data);
    // The key's id and name only: the plain key is never logged.
    deps.log.info(
      { event: 'integration_key_created', keyId: created.id, userId: c.get('user').id },
      'integration key created from the checklist',
    );
    return renderWelcome(deps, c, undefined, 200, created);
  });
}
