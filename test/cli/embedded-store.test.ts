import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../support/deps.js';
import { postLogin } from '../support/sign-in.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-store-'));
const dataDir = path.join(dir, 'data', 'pglite');
const env = {
  ...process.env,
  DATABASE_URL: '',
  PGLITE_DATA_DIR: dataDir,
  REDIS_URL: TEST_REDIS_URL,
  QUEUE_PREFIX: `store-test-${process.pid}`,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
};
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    cwd: root,
    env,
    timeout: 120_000,
  });

interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
}

/** `npm start`'s entry point, through tsx; resolves once it logged its address. */
function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes('"deskpilot started"'));
      if (line) {
        const url = (JSON.parse(line) as { url: string }).url.replace('localhost', '127.0.0.1');
        resolve({ child, base: url, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}:\n${output}`)));
  });
}

function stop(server: Server): Promise<number | null> {
  return new Promise((resolve) => {
    server.child.once('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
}

/** The real sign-in form over HTTP (form-token cookie and field, as a browser sends them). */
const signIn = (base: string, email: string, password: string) =>
  postLogin(
    { request: (url, init) => fetch(`${base}${url}`, { redirect: 'manual', ...init }) },
    { email, password },
  );

async function search(base: string, key: string, query: string) {
  const res = await fetch(`${base}/api/kb/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return ((await res.json()) as { passages: { title: string }[] }).passages;
}

const lastJson = (stdout: string) =>
  JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

let server: Server | undefined;
afterAll(async () => {
  if (server && server.child.exitCode === null) await stop(server);
  rmSync(dir, { recursive: true, force: true });
});

describe('one writer per embedded store', () => {
  it('CLI writes go through the running server: visible at once, kept across a restart; a second server is refused', async () => {
    server = await startServer();
    const lock = `${dataDir}.lock`;
    expect(existsSync(lock)).toBe(true);

    const password = 'a long enough password 1';
    await cli(
      'users',
      'create',
      '--email',
      'lead@example.com',
      '--role',
      'admin',
      '--password',
      password,
    );
    const login = await signIn(server.base, 'lead@example.com', password);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toMatch(/\/app$/);

    const key = String(lastJson((await cli('keys', 'create', '--role', 'agent')).stdout).key);
    const imported = lastJson((await cli('kb', 'import', 'samples/kb')).stdout);
    expect(imported).toMatchObject({ created: 6, indexed: 6 });
    const found = await search(server.base, key, 'refund');
    expect(found.map((p) => p.title)).toContain('Refunds');

    // A second `npm start` on the same directory stops with a message, and the first keeps serving.
    const second = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env,
      timeout: 120_000,
    }).catch((err: { code: number; stderr: string }) => err);
    expect(second).toMatchObject({ code: 1 });
    expect((second as { stderr: string }).stderr).toContain(
      `is in use by a running Deskpilot server (pid ${server.child.pid})`,
    );
    expect((second as { stderr: string }).stderr).not.toMatch(/\n\s+at /);

    expect(await stop(server)).toBe(0);
    expect(existsSync(lock)).toBe(false);

    // Without a server a command opens the store itself, and lets go of it afterwards.
    const users = (await cli('users', 'list')).stdout;
    expect(users).toContain('lead@example.com');
    expect(existsSync(lock)).toBe(false);

    server = await startServer();
    expect((await signIn(server.base, 'lead@example.com', password)).status).toBe(303);
    expect((await search(server.base, key, 'refund')).map((p) => p.title)).toContain('Refunds');
    expect(server.output()).not.toContain('"level":50');
  }, 600_000);
});

describe('command-line mistakes', () => {
  it('answer in one line with exit code 2: never SQL, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['keys', 'revoke', 'abc'], /^Not an API key id: abc/],
      [['keys', 'revoke', '00000000-0000-4000-8000-000000000000'], /^No active API key with id/],
      [
        ['users', 'create', '--email', 'x@example.com', '--team', 'bilingg'],
        /^Unknown team: bilingg \(known: billing, /,
      ],
      [['users', 'create', '--email', 'x@example.com', '--role', 'boss'], /^Unknown role: boss/],
      [
        ['users', 'create', '--emial', 'x@example.com'],
        /^Unknown option '--emial'. Did you mean --email\?/,
      ],
      [['users', 'disable'], /^users disable: missing argument/],
    ];
    for (const [args, message] of cases) {
      const err = (await cli(...args).catch((e: unknown) => e)) as {
        code: number;
        stderr: string;
      };
      expect(err.code, args.join(' ')).toBe(2);
      expect(err.stderr, args.join(' ')).toMatch(message);
      expect(err.stderr).not.toMatch(/select|update|insert|\n\s+at /i);
    }
  }, 300_000);

  it('--help answers without touching the store', async () => {
    const { stdout } = await cli('--help');
    expect(stdout).toContain('users create --email');
    expect(stdout).toContain('retention run [--dry-run] [--yes]');
    const { stdout: one } = await cli('users', 'create', '--help');
    expect(one).toContain('Usage: npm run -s cli -- users create');
  }, 60_000);
});
