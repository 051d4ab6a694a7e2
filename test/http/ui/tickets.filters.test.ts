import { beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { seedPendingDraft } from '../../support/drafts.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

const { deps, app } = await fileTestApp();
let cookie = '';

beforeAll(async () => {
  const password = 'a long enough password';
  await createUser(deps.db, {
    email: 'lists@example.com',
    name: 'Lists',
    role: 'admin',
    teamId: null,
    password,
  });
  ({ cookie } = await signInOverHttp(app, deps.db, 'lists@example.com', password));
  await seedPendingDraft(deps.db, { subject: 'Where is my parcel' });
  await seedPendingDraft(deps.db, { subject: 'Refund for a double charge' });
});

describe('ticket list filters from a URL', () => {
  it('drops only the value it cannot read, names it, and applies the rest (the search stays)', async () => {
    const res = await app.request('/app/tickets?q=parcel&status=bogus', { headers: { cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Ignored what could not be read: status. The other filters apply.');
    expect(html).toContain('Where is my parcel');
    expect(html).not.toContain('Refund for a double charge');
    expect(html).not.toContain('The form was incomplete');
  });

  it('a readable query shows no notice', async () => {
    const html = await (await app.request('/app/tickets?q=refund', { headers: { cookie } })).text();
    expect(html).toContain('Refund for a double charge');
    expect(html).not.toContain('Ignored what could not be read');
  });
});
