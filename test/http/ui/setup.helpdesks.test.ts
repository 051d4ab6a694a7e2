import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createUser } from '../../../src/auth/users.js';
import { listApiKeys } from '../../../src/db/queries/api-keys.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

// Zendesk and basic auth configured (values the page must never print), Mailgun not.
const ZENDESK_SECRET = 'zd-signing-secret-do-not-print';
const BASIC_AUTH = 'inbound:basic-password-do-not-print';
const { deps, app } = await fileTestApp({
  ZENDESK_WEBHOOK_SECRETS: `${ZENDESK_SECRET},zd-second-secret-do-not-print`,
  INBOUND_BASIC_AUTH: BASIC_AUTH,
  MAILGUN_SIGNING_KEYS: '',
});

const password = 'p'.repeat(14);
await createUser(deps.db, { email: 'admin@example.com', name: 'Admin', role: 'admin', password });
await createUser(deps.db, { email: 'mgr@example.com', name: 'Mgr', role: 'manager', password });
const admin = await signInOverHttp(app, deps.db, 'admin@example.com', password);

/** The text of a `data-sender` row of the helpdesk table. */
function senderRow(html: string, sender: string) {
  const row = new RegExp(`<tr data-sender="${sender}">([\\s\\S]*?)</tr>`).exec(html);
  if (!row) throw new Error(`no row for ${sender}`);
  return row[1]!;
}

const decode = (s: string) =>
  s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

describe('the checklist: connect a helpdesk', () => {
  it('says per sender whether its secret is set and how to set it, never printing one', async () => {
    const html = await (
      await app.request('/app/welcome', { headers: { cookie: admin.cookie } })
    ).text();
    expect(html).not.toContain(ZENDESK_SECRET);
    expect(html).not.toContain('zd-second-secret');
    expect(html).not.toContain('basic-password-do-not-print');

    const zendesk = senderRow(html, 'zendesk');
    expect(zendesk).toContain('data-status="set"');
    expect(zendesk).toContain('configured (2 secrets)');
    expect(zendesk).toContain('ZENDESK_WEBHOOK_SECRETS=the-signing-secret');

    const mailgun = senderRow(html, 'mailgun');
    expect(mailgun).toContain('data-status="unset"');
    expect(mailgun).toContain('MAILGUN_SIGNING_KEYS=the-signing-key');

    for (const sender of ['sendgrid', 'postmark']) {
      const row = senderRow(html, sender);
      expect(row).toContain('configured (1 user)');
      expect(row).toContain(`http://USER:PASSWORD@localhost:3000/webhooks/email/${sender}`);
    }
  });

  it('with no basic auth set, suggests one pair for the deployment: the same on every load and after a restart, until it is set', async () => {
    const saved = deps.config.INBOUND_BASIC_AUTH;
    deps.config.INBOUND_BASIC_AUTH = [];
    const suggested = async (on: typeof app) => {
      const html = await (
        await on.request('/app/welcome', { headers: { cookie: admin.cookie } })
      ).text();
      const row = senderRow(html, 'sendgrid');
      expect(row).toContain('data-status="unset"');
      const pair = /INBOUND_BASIC_AUTH=(inbound:[\w-]{20,})/.exec(row)?.[1];
      expect(pair).toBeDefined();
      expect(row).toContain(`http://${pair}@localhost:3000/webhooks/email/sendgrid`);
      expect(senderRow(html, 'postmark')).toContain(`INBOUND_BASIC_AUTH=${pair}`);
      return pair!;
    };
    try {
      const pair = await suggested(app);
      expect(await suggested(app)).toBe(pair); // reloaded
      expect(await suggested(createApp(deps))).toBe(pair); // another process (a restart)

      // Copied into .env and restarted: the page says it is set, and shows no password.
      deps.config.INBOUND_BASIC_AUTH = [pair];
      const html = await (
        await app.request('/app/welcome', { headers: { cookie: admin.cookie } })
      ).text();
      const row = senderRow(html, 'sendgrid');
      expect(row).toContain('data-status="set"');
      expect(row).toContain('configured (1 user)');
      expect(row).toContain('which is set (this page does not show its passwords)');
      expect(html).not.toContain(pair.split(':')[1]!);
    } finally {
      deps.config.INBOUND_BASIC_AUTH = saved;
    }
  });

  it('"Create integration key" makes a key shown once, and its curl files a ticket', async () => {
    const res = await app.request('/app/welcome/integration-key', {
      method: 'POST',
      headers: { cookie: admin.cookie },
      body: new URLSearchParams({ _csrf: admin.csrf, name: 'Freshdesk' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    const box = /data-testid="integration-key">([\s\S]*?)<\/div>/.exec(html)![1]!;
    expect(box).toContain('Integration key “Freshdesk” created');
    const key = /<code>(dp_[A-Za-z0-9]{8}_[\w-]{20,})<\/code>/.exec(box)![1]!;

    const keys = await listApiKeys(deps.db);
    const record = keys.find((k) => k.name === 'Freshdesk');
    expect(record).toMatchObject({ role: 'integration', revokedAt: null });
    expect(JSON.stringify(keys)).not.toContain(key); // stored as a hash only

    // The curl, exactly as shown: its URL, headers and body, sent to the app.
    const curl = decode(/<code>(curl [\s\S]*?)<\/code>/.exec(box)![1]!);
    const url = /-X POST '([^']+)'/.exec(curl)![1]!;
    expect(url).toBe('http://localhost:3000/webhooks/tickets');
    const headers = Object.fromEntries(
      [...curl.matchAll(/-H '([^:]+): ([^']+)'/g)].map((m) => [m[1]!, m[2]!]),
    );
    expect(headers.authorization).toBe(`Bearer ${key}`);
    const body = /-d '([^']+)'/.exec(curl)![1]!;
    const filed = await app.request(new URL(url).pathname, { method: 'POST', headers, body });
    expect(filed.status).toBe(202);

    // Shown once: the checklist loaded again does not carry it.
    const again = await (
      await app.request('/app/welcome', { headers: { cookie: admin.cookie } })
    ).text();
    expect(again).not.toContain(key);
  });

  it('only an admin with the CSRF token can create one', async () => {
    const noCsrf = await app.request('/app/welcome/integration-key', {
      method: 'POST',
      headers: { cookie: admin.cookie },
      body: new URLSearchParams({ name: 'x' }),
    });
    expect(noCsrf.status).toBe(403);

    const manager = await signInOverHttp(app, deps.db, 'mgr@example.com', password);
    const refused = await app.request('/app/welcome/integration-key', {
      method: 'POST',
      headers: { cookie: manager.cookie },
      body: new URLSearchParams({ _csrf: manager.csrf, name: 'sneaky' }),
    });
    expect(refused.status).toBe(403);
    expect((await listApiKeys(deps.db)).map((k) => k.name)).not.toContain('sneaky');
    expect((await listApiKeys(deps.db)).map((k) => k.name)).not.toContain('x');
  });
});
