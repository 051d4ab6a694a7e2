import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { latestDraftForTicket } from '../../../src/db/queries/drafts.js';
import { getTicket } from '../../../src/db/queries/tickets.js';
import { questionAbout } from '../../../src/pipeline/first-run.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { processDraft } from '../../../src/queue/processors/draft.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

/**
 * The checklist's test ticket after a team imports a real FAQ (the bitext FAQ, 27 articles, as
 * `scripts/draft-eval-sets.ts` reads it): its suggested question is phrased from one of the
 * team's own articles, and the draft answers it with a citation instead of abstaining (the fixed
 * "I was charged twice" sample abstained on this KB: best "Get refund" at 0.43, gate 0.50).
 */
const BITEXT_DOCS = path.resolve('../shared/data/kb/bitext-faq/docs.jsonl');
const { deps, app } = await fileTestApp();
const password = 'p'.repeat(14);
await createUser(deps.db, { email: 'admin@example.com', name: 'Admin', role: 'admin', password });
const { cookie } = await signInOverHttp(app, deps.db, 'admin@example.com', password);

const decode = (s: string) =>
  s.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');

async function welcome() {
  const html = await (await app.request('/app/welcome', { headers: { cookie } })).text();
  return {
    html,
    csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]!,
    subject: decode(/<input id="test-subject" name="subject" value="([^"]*)"/.exec(html)![1]!),
    body: decode(/<textarea id="test-body"[^>]*>([^<]*)<\/textarea>/.exec(html)![1]!.trim()),
  };
}

/** What the worker does with a new ticket: triage, then the draft. */
async function drafted(ticketId: string) {
  await triageTicket(deps, { ticketId });
  await processDraft(deps, { ticketId }, {} as never);
  return (await latestDraftForTicket(deps.db, ticketId))!;
}

async function send(fields: Record<string, string>) {
  const res = await app.request('/app/welcome/test-ticket', {
    method: 'POST',
    headers: { cookie },
    body: new URLSearchParams(fields),
  });
  expect(res.status).toBe(303);
  return res.headers.get('location')!.split('/').at(-1)!;
}

describe('the checklist: send a test ticket', () => {
  it('phrases a question from an article title', () => {
    const cases: [string, string, string][] = [
      [
        'Cancel order',
        'Question: Cancel order',
        'Hello, I have a question about cancel order. Could you help me?',
      ],
      [
        'VAT  invoices',
        'Question: VAT invoices',
        'Hello, I have a question about VAT invoices. Could you help me?',
      ],
      [
        'How do I reset my password?',
        'How do I reset my password?',
        'Hello, how do I reset my password? Thank you.',
      ],
    ];
    for (const [title, subject, body] of cases) {
      expect(questionAbout(title), title).toEqual({ subject, body });
    }
  });

  it('with an empty knowledge base, says to import articles first; the form still sends', async () => {
    const page = await welcome();
    expect(page.html).toContain('Your knowledge base has no articles yet: import them first');
    const ticketId = await send({ _csrf: page.csrf, subject: page.subject, body: page.body });
    expect((await drafted(ticketId)).kind).toBe('no_answer');
  });

  it('after importing the bitext FAQ, suggests a question one of its articles answers', async () => {
    const form = new FormData();
    form.set('_csrf', (await welcome()).csrf);
    form.append('files', new File([readFileSync(BITEXT_DOCS)], 'faq.jsonl'));
    const imported = await app.request('/app/welcome/kb', {
      method: 'POST',
      headers: { cookie },
      body: form,
    });
    expect(await imported.text()).toContain('27 new and 0 updated article(s), 27 indexed');

    const page = await welcome();
    const titles = readFileSync(BITEXT_DOCS, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { title: string }).title);
    const article = /asks about your article “([^”]+)”/.exec(decode(page.html))?.[1];
    expect(titles).toContain(article);
    expect({ subject: page.subject, body: page.body }).toEqual(questionAbout(article!));

    // Sent as the form offers it, the draft quotes that article, above the confidence gate.
    const ticketId = await send({ _csrf: page.csrf, subject: page.subject, body: page.body });
    const draft = await drafted(ticketId);
    expect(draft.kind).not.toBe('no_answer');
    expect(draft.citations[0]?.title).toBe(article);
    expect(Number(draft.confidence)).toBeGreaterThanOrEqual(deps.config.DRAFT_MIN_CONFIDENCE);
    const shown = await (
      await app.request(`/app/welcome/test-ticket/${ticketId}`, { headers: { cookie } })
    ).text();
    expect(shown).toContain('Drafted ✓');
    expect(shown).not.toContain('no answer found');

    // A post without the fields (a script) sends the suggested question too.
    const bare = await send({ _csrf: page.csrf });
    expect((await getTicket(deps.db, bare))?.subject).toBe(page.subject);
  });

  it('sends the question the admin typed instead', async () => {
    const { csrf } = await welcome();
    const ticketId = await send({ _csrf: csrf, subject: '', body: 'Do you ship to Norway?' });
    const ticket = await getTicket(deps.db, ticketId);
    expect(ticket?.subject).toBe('Do you ship to Norway?');
  });
});
