import { afterAll, beforeEach } from 'vitest';
import {
  HttpZendeskClient,
  type HttpZendeskClientOptions,
} from '../../../src/integrations/zendesk/client.js';
import { FakeZendesk } from '../../support/fake-zendesk.js';

export interface ClientUnderTest {
  client: HttpZendeskClient;
  /** Every wait the client asked for, in ms; the injected sleep returns at once. */
  sleeps: number[];
  warnings: unknown[];
}

/** A client pointed at the fake, with waiting recorded instead of spent and no jitter. */
export function clientFor(
  fake: FakeZendesk,
  overrides: Partial<HttpZendeskClientOptions> = {},
): ClientUnderTest {
  const sleeps: number[] = [];
  const warnings: unknown[] = [];
  const client = new HttpZendeskClient({
    baseUrl: fake.url,
    auth: { kind: 'token', email: fake.email, token: fake.token },
    timeoutMs: 2_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    logger: { warn: (obj: unknown) => warnings.push(obj) } as HttpZendeskClientOptions['logger'],
    ...overrides,
  });
  return { client, sleeps, warnings };
}

/**
 * The fake Zendesk of a whole test file: started while the file loads, closed after its last
 * test, its request log cleared before each test.
 */
export async function fileFakeZendesk(
  options?: Parameters<typeof FakeZendesk.start>[0],
): Promise<FakeZendesk> {
  const fake = await FakeZendesk.start(options);
  afterAll(() => fake.close());
  beforeEach(() => fake.clearRequests());
  return fake;
}
