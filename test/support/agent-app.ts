import { expect } from 'vitest';
import { createApp } from '../../src/app.js';
import { createUser } from '../../src/auth/users.js';
import { createTestDeps, type TestDeps } from './deps.js';
import { signInOverHttp } from './sign-in.js';
import { TestSmtpServer } from './smtp-server.js';

/** The deliver job's second argument, for one attempt run by hand. */
export const oneAttempt = { attemptsMade: 0, opts: { attempts: 1 } } as never;

/**
 * The app (same factory as production) over real Postgres, sending to an SMTP sink, with agent
 * Ana (ana@example.com) signed in: `page` reads one of its pages as she sees it (expecting 200).
 */
export async function startAgentApp(config: Record<string, string> = {}) {
  const smtp = await TestSmtpServer.start();
  const deps: TestDeps = await createTestDeps({ SMTP_URL: `${smtp.url()}?pool=false`, ...config });
  const app = createApp(deps);
  const password = 'a long enough password';
  await createUser(deps.db, { email: 'ana@example.com', name: 'Ana', role: 'agent', password });
  const { cookie } = await signInOverHttp(app, deps.db, 'ana@example.com', password);
  return {
    deps,
    smtp,
    app,
    page: async (url: string) => {
      const res = await app.request(url, { headers: { cookie } });
      expect(res.status).toBe(200);
      return res.text();
    },
    close: async () => {
      await deps.cleanup();
      await smtp.close();
    },
  };
}
export type AgentApp = Awaited<ReturnType<typeof startAgentApp>>;
