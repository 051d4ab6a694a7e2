import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { createUser } from '../../../../src/auth/users.js';
import { auditLog } from '../../../../src/db/schema/audit-log.js';
import { apiRequest, fileTestApp } from '../../../support/fixtures.js';
import { approveAndLearn, importRefundArticle } from '../../../support/lessons.js';

// GET / DELETE /api/kb/articles/{id}/answered-questions: what approvals taught, for managers.
const { deps, app } = await fileTestApp();
afterAll(() => deps.cleanup());
await createUser(deps.db, {
  email: 'al@example.com',
  name: 'Al Agent',
  role: 'agent',
  password: 'p'.repeat(14),
});
const manager = (await createApiKey(deps.db, { name: 'kb manager', role: 'manager' })).key;
const agent = (await createApiKey(deps.db, { name: 'kb agent', role: 'agent' })).key;
await importRefundArticle(deps);

describe('answered questions over the API', () => {
  it('lists them for a manager, refuses an agent, and forgets one', async () => {
    const lesson = await approveAndLearn(
      deps,
      'How do I request a refund? I want my rebate. Call me on +44 20 7946 0958.',
    );
    const base = `/api/kb/articles/${lesson.articleId}/answered-questions`;

    const listed = await apiRequest(app, manager, 'GET', base);
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { total: number; items: { question: string }[] };
    expect(body.total).toBe(1);
    expect(body.items[0]).toMatchObject({ id: lesson.id, approvedBy: 'al@example.com' });
    expect(body.items[0]).toHaveProperty('approvedByName', 'Al Agent');
    expect(body.items[0]!.question).toContain('I want my rebate.');
    // Kept redacted: the phone number is not there.
    expect(body.items[0]!.question).not.toContain('7946');

    expect((await apiRequest(app, agent, 'GET', base)).status).toBe(403);
    expect((await apiRequest(app, agent, 'DELETE', `${base}/${lesson.id}`)).status).toBe(403);

    expect((await apiRequest(app, manager, 'DELETE', `${base}/${lesson.id}`)).status).toBe(204);
    // Audited with who did it, ids only (the question's text stays out of the log).
    const [entry] = await deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'kb_lesson_forgotten'));
    expect(entry).toMatchObject({
      actorKind: 'api_key',
      data: { articleId: lesson.articleId, lessonId: lesson.id, ticketId: lesson.ticketId },
    });
    expect(JSON.stringify(entry!.data)).not.toContain('rebate');
    const again = await apiRequest(app, manager, 'DELETE', `${base}/${lesson.id}`);
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const missing = await apiRequest(
      app,
      manager,
      'GET',
      '/api/kb/articles/00000000-0000-4000-8000-000000000000/answered-questions',
    );
    expect(missing.status).toBe(404);
  });
});
