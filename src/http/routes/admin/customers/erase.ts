import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../../deps.js';
import { eraseCustomer } from '../../../../privacy/erase.js';
import { requireRole } from '../../../middleware/auth.js';
import type { Router } from '../../../openapi.js';

export const route = createRoute({
  method: 'delete',
  path: '/api/admin/customers/{email}',
  summary: "Erase a customer's personal data everywhere (GDPR art. 17; admin)",
  security: [{ apiKey: [] }],
  request: { params: z.object({ email: z.email() }) },
  responses: {
    200: {
      description: 'What was erased',
      content: {
        'application/json': {
          schema: z.object({
            email: z.string(),
            tickets: z.number(),
            inboxEvents: z.number(),
            outboxRows: z.number(),
            mentionsRedacted: z.number(),
            derivedRowsRedacted: z.number(),
          }),
        },
      },
    },
  },
});

export function registerEraseCustomer(app: Router, deps: Deps) {
  app.on('DELETE', '/api/admin/customers/:email', requireRole(deps, 'admin'));
  app.openapi(route, async (c) => {
    const principal = c.get('principal')!;
    const report = await eraseCustomer(deps.db, c.req.valid('param').email, {
      kind: principal.kind,
      id: principal.id,
    });
    deps.log.info({ tickets: report.tickets, by: principal.id }, 'customer erased');
    return c.json(report, 200);
  });
}
