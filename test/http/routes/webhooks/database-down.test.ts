import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { buildDeps, closeDeps } from '../../../../src/build-deps.js';
import { createDatabase } from '../../../../src/db/client.js';
import type { Deps } from '../../../../src/deps.js';
import { testConfig } from '../../../support/deps.js';
import { freePort } from '../../../support/redis-server.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../../../support/zendesk.js';

let deps: Deps;

beforeAll(async () => {
  // A Postgres URL where nothing listens: the state of the world during a database outage.
  const port = await freePort();
  const database = await createDatabase({
    url: `postgres://postgres@127.0.0.1:${port}/down`,
    poolMax: 1,
  });
  deps = await buildDeps(testConfig(), { database, log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  if (deps) await closeDeps(deps);
});

describe('webhooks while PostgreSQL is down', () => {
  it('answer 503 with Retry-After so the sender retries', async () => {
    const app = createApp(deps);
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskTicketCreated('1')),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'service_unavailable',
    );
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
  });
});
