import { createRoute, z } from '@hono/zod-openapi';
import { actionCursorKey, auditActions } from '../../../audit/list.js';
import { type ActionName, actionNames } from '../../../db/queries/audit.js';
import type { Deps } from '../../../deps.js';
import { requireRole } from '../../middleware/auth.js';
import type { Router } from '../../openapi.js';
import { pageQuery, pageSchema, toRange } from './shared.js';

const actionSchema = z
  .object({
    id: z.string(),
    action: z.enum(actionNames),
    at: z.string(),
    actor: z.object({
      kind: z.string().openapi({
        description:
          'user, agent, api_key, system (auto-send, retention, setup), cli, or unknown (an account made before people actions were recorded)',
      }),
      id: z
        .string()
        .nullable()
        .openapi({ description: "A person's email (as people are recorded), or an API key id" }),
      name: z.string().nullable(),
    }),
    ticketId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditAction');

const actionList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(actionNames)).min(1));

export const route = createRoute({
  method: 'get',
  path: '/api/audit/actions',
  summary:
    'What people did: approvals, edits, rejections, regenerations, triage corrections, delivery retries, erasures, retention runs, keys and users (manager)',
  description:
    'Newest first. Rows carry ids and counts; reject reasons and regeneration instructions are shown with personal data redacted. Erased customers appear only as counts.',
  security: [{ apiKey: [] }],
  request: {
    query: pageQuery.extend({
      action: actionList.optional().openapi({
        type: 'string',
        description: `Comma-separated: ${actionNames.join(', ')}`,
      }),
      actor: z
        .string()
        .max(320)
        .optional()
        .openapi({ description: "A person's email or user id, or an API key id" }),
      ticketId: z.uuid().optional(),
    }),
  },
  responses: {
    200: {
      description: 'One page of actions',
      content: { 'application/json': { schema: pageSchema(actionSchema) } },
    },
  },
});

export function registerListAuditActions(app: Router, deps: Deps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const result = await auditActions(deps.db, {
      ...toRange(q, actionCursorKey),
      actions: q.action as ActionName[] | undefined,
      actorId: q.actor,
      ticketId: q.ticketId,
    });
    return c.json(result, 200);
  });
}
