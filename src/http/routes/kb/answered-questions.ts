import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import { actorLabelOrNull, actorNames } from '../../../auth/actor-names.js';
import { getArticle } from '../../../db/queries/kb.js';
import {
  forgetAnsweredQuestion,
  listAnsweredQuestions,
} from '../../../db/queries/kb-answered-questions.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { articleIdParams } from './schemas.js';
import { json } from './shared.js';

const answeredQuestionsSchema = z
  .object({
    total: z.number().int(),
    items: z.array(
      z.object({
        id: z.uuid(),
        ticketId: z.uuid(),
        question: z.string().openapi({ description: 'Subject and message, redacted' }),
        approvedBy: z
          .string()
          .nullable()
          .openapi({ description: "As recorded: a user's email, or an API key's id" }),
        approvedByName: z
          .string()
          .nullable()
          .openapi({ description: 'As people read it: the user or API key by name' }),
        createdAt: z.string(),
      }),
    ),
  })
  .openapi('AnsweredQuestions');

export const listRoute = createRoute({
  method: 'get',
  path: '/api/kb/articles/{id}/answered-questions',
  summary:
    "Questions agents approved drafts citing this article for (newest 50): drafting answers questions like them from it. Managers only (customers' text).",
  security: [{ apiKey: [] }],
  request: { params: articleIdParams },
  responses: { 200: json(answeredQuestionsSchema, 'What approvals taught about the article') },
});

export const forgetRoute = createRoute({
  method: 'delete',
  path: '/api/kb/articles/{id}/answered-questions/{questionId}',
  summary: 'Forget one answered question: questions like it stop being answered from the article',
  security: [{ apiKey: [] }],
  request: {
    params: articleIdParams.extend({
      questionId: z.uuid().openapi({ param: { name: 'questionId', in: 'path' } }),
    }),
  },
  responses: { 204: { description: 'Forgotten' } },
});

export function registerAnsweredQuestions(app: Router, deps: KbRouteDeps) {
  app.openapi(listRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await getArticle(deps.db, id))) throw new AppError('not_found', 'No such article');
    const { total, rows } = await listAnsweredQuestions(deps.db, id);
    const names = await actorNames(
      deps.db,
      rows.map((r) => r.approvedBy),
    );
    const items = rows.map((r) => ({
      ...r,
      approvedByName: actorLabelOrNull(r.approvedBy, names),
      createdAt: r.createdAt.toISOString(),
    }));
    return c.json({ total, items }, 200);
  });
  app.openapi(forgetRoute, async (c) => {
    const { id, questionId } = c.req.valid('param');
    const actor = actorOf(c.get('principal')!);
    if (!(await forgetAnsweredQuestion(deps.db, id, questionId, actor))) {
      throw new AppError('not_found', 'No such answered question on this article');
    }
    return c.body(null, 204);
  });
}
