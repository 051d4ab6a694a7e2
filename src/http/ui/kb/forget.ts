import { userActor } from '../../../auth/actor.js';
import { forgetAnsweredQuestion } from '../../../db/queries/kb-answered-questions.js';
import type { Deps } from '../../../deps.js';
import { type KbApp, uuidParam } from './shared.js';

/**
 * POST /app/kb/:id/answered/:questionId/forget: a manager takes back what an approval taught
 * drafting (a wrong article sent, a one-off answer): later questions like it are no longer
 * answered from this article on its account.
 */
export function registerForgetAnsweredForm(app: KbApp, deps: Deps) {
  app.post('/app/kb/:id/answered/:questionId/forget', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    const questionId = uuidParam.safeParse(c.req.param('questionId'));
    const forgotten =
      id.success && questionId.success
        ? await forgetAnsweredQuestion(deps.db, id.data, questionId.data, userActor(c.get('user')))
        : false;
    const to = id.success ? `/app/kb/${id.data}` : '/app/kb';
    return c.redirect(
      `${to}?notice=${forgotten ? 'forgotten' : 'already_forgotten'}#answered`,
      303,
    );
  });
}
