import { afterAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { kbAnsweredQuestions } from '../../../src/db/schema/kb-answered-questions.js';
import { kbChunks } from '../../../src/db/schema/kb-chunks.js';
import { fileTestApp, seedDraftedTicket } from '../../support/fixtures.js';
import { approveAndLearn, importRefundArticle } from '../../support/lessons.js';
import { signInOverHttp } from '../../support/sign-in.js';

// The article page shows what approvals taught drafting about it; a manager can forget one.
// An undo window, so a reply by hand can be taken back.
const { deps, app } = await fileTestApp({ SEND_DELAY_SECONDS: '30' });
afterAll(() => deps.cleanup());
const password = 'p'.repeat(14);
await createUser(deps.db, { email: 'mia@example.com', name: 'Mia', role: 'manager', password });
await createUser(deps.db, { email: 'al@example.com', name: 'Al', role: 'agent', password });
const manager = await signInOverHttp(app, deps.db, 'mia@example.com', password);
const agent = await signInOverHttp(app, deps.db, 'al@example.com', password);
const page = (url: string, who = manager) => app.request(url, { headers: { cookie: who.cookie } });
const post = (url: string, who = manager, fields: [string, string][] = []) =>
  app.request(url, {
    method: 'POST',
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['_csrf', who.csrf], ...fields]).toString(),
  });
/** A rendered form's hidden fields (name, value), in order. */
const hiddenFields = (html: string, formId: string): [string, string][] => {
  const form = html.slice(html.indexOf(`id="${formId}"`));
  return [
    ...form
      .slice(0, form.indexOf('</form>'))
      .matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g),
  ].map((m) => [m[1]!, m[2]!]);
};

await importRefundArticle(deps);

describe('answered questions on the article page', () => {
  it('lists them for a manager, counts them for an agent, and a manager forgets one', async () => {
    const lesson = await approveAndLearn(deps, 'How do I request a refund? I want my rebate.');
    const url = `/app/kb/${lesson.articleId}`;

    const shown = await (await page(url)).text();
    expect(shown).toContain('Learned from 1 approved answer');
    expect(shown).toContain('I want my rebate.');
    expect(shown).toContain('approved by Al ');
    expect(shown).toContain('An agent sent this article for each of these questions');
    expect(shown).toMatch(/on\s*<time datetime="[^"]+">\d{4}-\d{2}-\d{2}<\/time>/);

    const asAgent = await (await page(url, agent)).text();
    expect(asAgent).toContain('Learned from 1 approved answer');
    expect(asAgent).not.toContain('I want my rebate.');
    const refused = await post(`${url}/answered/${lesson.id}/forget`, agent);
    expect(refused.status).toBe(403);
    expect(await deps.db.select().from(kbAnsweredQuestions)).toHaveLength(1);

    const forgotten = await post(`${url}/answered/${lesson.id}/forget`);
    expect(forgotten.status).toBe(303);
    expect(forgotten.headers.get('location')).toBe(`${url}?notice=forgotten#answered`);
    expect(await deps.db.select().from(kbAnsweredQuestions)).toHaveLength(0);
    const after = await (await page(`${url}?notice=forgotten`)).text();
    expect(after).toContain('Forgotten: questions like it');
    expect(after).not.toContain('Learned from');
    // Again: already gone, said so.
    const again = await post(`${url}/answered/${lesson.id}/forget`);
    expect(again.headers.get('location')).toBe(`${url}?notice=already_forgotten#answered`);
  });

  it('a reply by hand taken back with Undo comes back with its citation: sent again, it teaches', async () => {
    const { ticketId } = await seedDraftedTicket(deps, {
      subject: 'Reclamation',
      body: 'Where do I make a reclamation for my order?',
    });
    const [chunk] = await deps.db.select({ id: kbChunks.id }).from(kbChunks).limit(1);
    const ticketPage = `/app/tickets/${ticketId}`;
    const composer = hiddenFields(await (await page(ticketPage, agent)).text(), 'reply-form');
    const text = [
      'Here is how:',
      'To request a refund, open Orders.',
      '(Source: Request a refund)',
    ];
    const sent = await post(`${ticketPage}/replies`, agent, [
      ...composer.filter(([name]) => name !== '_csrf'),
      ['text', text.join('\n')],
      ['citation', chunk!.id],
    ]);
    expect(sent.status).toBe(303);
    const draftId = new URL(sent.headers.get('location')!, 'http://x').searchParams.get('undo');
    expect(await deps.db.select().from(kbAnsweredQuestions)).toHaveLength(1);

    const undone = await post(`/app/drafts/${draftId}/undo`, agent, [['back', ticketPage]]);
    expect(undone.status).toBe(303);
    expect(await deps.db.select().from(kbAnsweredQuestions)).toHaveLength(0);
    const restored = await (await page(undone.headers.get('location')!, agent)).text();
    expect(restored).toContain('Your reply is back in the composer');
    expect(restored).toContain('<li>(Source: Request a refund)</li>');
    const again = hiddenFields(restored, 'reply-form');
    expect(again).toContainEqual(['citation', chunk!.id]);

    // Sent again as the page has it: the reply cites the passage, and drafting learns from it.
    const resent = await post(`${ticketPage}/replies`, agent, [
      ...again.filter(([name]) => name !== '_csrf'),
      ['text', text.join('\n')],
    ]);
    expect(resent.status).toBe(303);
    const lessons = await deps.db.select().from(kbAnsweredQuestions);
    expect(lessons).toHaveLength(1);
    expect(lessons[0]!.question).toContain('make a reclamation');
  });
});
