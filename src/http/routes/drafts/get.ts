import { createRoute, z } from '@hono/zod-openapi';
import { getDeliveryForDraft } from '../../../db/queries/drafts.js';
import type { Deps } from '../../../deps.js';
import type { Router } from '../../openapi.js';
import {
  deliverySummary,
  deliverySummarySchema,
  draftSchema,
  draftViewWithSources,
  params,
  security,
} from './schemas.js';
import { draftInScope } from './shared.js';

export const route = createRoute({
  method: 'get',
  path: '/api/drafts/{id}',
  summary: 'One draft with its delivery state (agent)',
  security,
  request: { params },
  responses: {
    200: {
      description: 'Draft',
      content: {
        'application/json': {
          schema: z.object({
            draft: draftSchema,
            delivery: deliverySummarySchema.nullable(),
          }),
        },
      },
    },
  },
});

export function registerGetDraft(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
    const draft = await draftInScope(deps, c, c.req.valid('param').id);
    const delivery = await getDeliveryForDraft(deps.db, draft.id);
    return c.json(
      {
        draft: await draftViewWithSources(deps.db, draft),
        delivery: delivery ? deliverySummary(delivery) : null,
      },
      200,
    );
  });
}
