import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from './support/deps.js';
import { freshCopy, removeFreshCopy, repoRoot as root } from './support/fresh-copy.js';
import { stopProcessGroup } from './support/process-group.js';
import { freePort } from './support/redis-server.js';
import { postLogin } from './support/sign-in.js';

/**
 * The README's quick start, as a newcomer runs it, on a fresh copy of the repository (the files git
 * tracks, no dist/, no data/): every command of every `sh` block, as written. Two are not re-run
 * here, for stated reasons: `npm ci` (it would reinstall the node_modules this copy shares; .ci/run
 * runs exactly `npm ci` on a clean machine) and `npm test` (this test is part of it; the README's
 * test command must be the one .ci/run calls, which is checked).
 */

const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** Commands of the README's `sh` blocks: comments dropped, `\` continuations joined. */
function shBlocks(): string[][] {
  const blocks: string[][] = [];
  for (const match of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = match[1]!.replace(/\\\n\s*/g, '').split('\n');
    blocks.push(
      lines
        .map((line) => line.replace(/\s+#\s.*$/, '').trim())
        .filter((line) => line.length > 0 && !line.startsWith('#')),
    );
  }
  return blocks;
}

const dir = freshCopy('deskpilot-readme-');
let server: ChildProcess | undefined;
afterAll(async () => {
  // bash, npm and the node server npm starts (npm does not pass the signal on to it).
  await stopProcessGroup(server?.pid);
  removeFreshCopy(dir);
});

describe('README quick start', () => {
  it('the test command is the one CI runs', () => {
    const [quickStart] = shBlocks();
    expect(quickStart).toContain('npm test');
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
    expect(ci.trim().split('\n').at(-1)).toBe('npm test');
    expect(ci).toContain('npm ci --no-audit --no-fund');
  });

  it('start, / → /app → setup with the printed token, sign in, a test ticket gets a draft; the CLI and curl commands work', async () => {
    const blocks = shBlocks();
    const [first, ...rest] = blocks;
    expect(first![0]).toBe('npm ci && npm start');
    const port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      PGLITE_DATA_DIR: '',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `readme-${port}`,
      LOG_LEVEL: 'warn',
    };

    // `npm start`, as written (after `npm ci`, see above): builds dist/ and starts.
    server = spawn('bash', ['-c', first![0]!.replace(/^npm ci && /, '')], {
      cwd: dir,
      env,
      detached: true,
    });
    let output = '';
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 300_000;
    while (!/app\/setup\?token=\S+/.test(output)) {
      if (server.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not get ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const setupUrl = new URL(/(http:\/\/\S+\/app\/setup\?token=\S+)/.exec(output)![1]!);
    const base = `http://127.0.0.1:${port}`;
    expect(setupUrl.port).toBe(String(port));

    const rootPage = await fetch(`${base}/`, { redirect: 'manual' });
    expect(rootPage.status).toBe(302);
    expect(rootPage.headers.get('location')).toBe('/app');
    const app = await fetch(`${base}/app`, { redirect: 'manual' });
    expect(app.headers.get('location')).toBe('/app/setup');
    const form = await fetch(`${base}${setupUrl.pathname}${setupUrl.search}`);
    expect(await form.text()).toContain(`value="${setupUrl.searchParams.get('token')}"`);

    const password = 'first admin password';
    const refused = await fetch(`${base}/app/setup`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'guessed', email: 'admin@example.com', password }),
      redirect: 'manual',
    });
    expect(refused.status).toBe(403);
    const created = await fetch(`${base}/app/setup`, {
      method: 'POST',
      body: new URLSearchParams({
        token: setupUrl.searchParams.get('token')!,
        email: 'admin@example.com',
        name: 'Admin',
        password,
      }),
      redirect: 'manual',
    });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/app/welcome');
    // The setup page is gone once an admin exists.
    expect((await fetch(`${base}/app/setup`, { redirect: 'manual' })).status).toBe(303);

    // Sign in as the new admin through the sign-in form, then the checklist's test ticket.
    const login = await postLogin(
      { request: (url, init) => fetch(`${base}${url}`, { redirect: 'manual', ...init }) },
      { email: 'admin@example.com', password },
    );
    expect(login.status).toBe(303);
    const cookie = /dp_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
    const welcome = await (await fetch(`${base}/app/welcome`, { headers: { cookie } })).text();
    // PUBLIC_URL unset: the webhook URLs name the port the server was started on.
    expect(welcome).toContain(`http://localhost:${port}/webhooks/zendesk`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(welcome)![1]!;
    const sent = await fetch(`${base}/app/welcome/test-ticket`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf }),
      redirect: 'manual',
    });
    expect(sent.status).toBe(303);
    const ticketPage = `${base}${sent.headers.get('location')}`;
    let page = '';
    for (let i = 0; i < 300 && !page.includes('Drafted ✓'); i++) {
      page = await (await fetch(ticketPage, { headers: { cookie } })).text();
      if (!page.includes('Drafted ✓')) await new Promise((r) => setTimeout(r, 300));
    }
    expect(page).toContain('Triaged ✓');
    expect(page).toContain('Drafted ✓');

    // Every other `sh` block, as written, while the server runs.
    for (const block of rest) {
      const out = execFileSync('bash', ['-euo', 'pipefail', '-c', block.join('\n')], {
        cwd: dir,
        env,
        encoding: 'utf8',
        // A block may start the CLI several times; at a load average near 30 one took over 180 s.
        timeout: 420_000,
      });
      if (block.some((line) => line.startsWith('curl'))) {
        expect(JSON.parse(out.trim().split('\n').at(-1)!)).toMatchObject({ status: 'accepted' });
      }
    }
    // The user the CLI created through the running server can sign in at once (generated password
    // not needed here: the account exists and is listed).
    const users = execFileSync('bash', ['-c', 'npm run -s cli -- users list'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(users).toContain('ana@example.com');
    expect(output).not.toMatch(/"level":(50|60)/);
  }, 1_200_000);
});
