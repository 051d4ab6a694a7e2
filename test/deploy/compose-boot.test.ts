import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
} from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComposeFile, type ComposeService, loadCompose } from '../support/compose.js';
import { createEmptyTestDatabase, realPostgresOrSkip } from '../support/db.js';
import { TEST_REDIS_URL } from '../support/deps.js';
import { freshCopy, removeFreshCopy, repoRoot } from '../support/fresh-copy.js';
import { stopProcessGroup } from '../support/process-group.js';
import { freePort } from '../support/redis-server.js';
import { postLogin } from '../support/sign-in.js';
import { TestSmtpServer } from '../support/smtp-server.js';

/**
 * The docker-compose stack's Deskpilot services, booted without docker: each service's `command`
 * and merged `environment`, exactly as docker-compose.yml writes them, run in compose's order on
 * the compiled build laid out as the Dockerfile's final stage lays out /app. Docker itself does not
 * run on this machine (test/deploy/compose.test.ts checks the file's properties statically); this
 * proves that what the file says to run works, and that the first-admin step it documents works.
 *
 * Only what docker provides is substituted, each at the place it is made:
 * - the image: a fresh copy of the repository is the build context; each Dockerfile stage is laid
 *   out from its COPY lines (a path .dockerignore drops fails), its RUN steps by stated stand-ins
 *   (`runStep`: the build runs as written; `npm ci` is this checkout's node_modules) and its ENV,
 *   and the final stage's directory is /app (`layOutStage`);
 * - `${VAR:-default}` interpolation: the defaults, as on a machine with no .env (`interpolate`);
 * - the service hosts (`standIns`): `postgres` → a fresh, empty database on the test server (the
 *   pgvector image creates the user and database the URL names; the test server has its own),
 *   `redis` → the test Redis with a QUEUE_PREFIX of its own (compose's Redis is private to the
 *   stack), `mailpit` → an smtp-server sink on loopback;
 * - the api's published port: a free port (PORT, and the same port in its health check command,
 *   which docker runs inside the container), on loopback (HOST: the container's 0.0.0.0 is its own
 *   network namespace; here it would be the machine's);
 * - the worker's HEARTBEAT_FILE: a temporary path (each container has its own /tmp).
 * The processes run as this user, not the image's `node`; instead, nothing may be written under
 * /app, where `node` could not write.
 */

const { compose, text: composeText } = loadCompose(repoRoot);
const { services } = compose;
const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** Compose's interpolation on a machine where none of the variables is set (no .env file). */
function interpolate(value: string): string {
  const out = value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name, fallback?: string) => {
    return fallback ?? '';
  });
  if (out.includes('$')) throw new Error(`interpolation this test does not do: ${value}`);
  return out;
}

/** A service's environment as compose hands it to the container (all values strings). */
function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
  );
}

/** The Dockerfile's stages (`FROM … AS name`), comments dropped and `\` continuations joined. */
function stages(): { name?: string; instructions: string[] }[] {
  const lines = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result: { name?: string; instructions: string[] }[] = [];
  for (const line of lines) {
    const from = /^FROM \S+(?: AS (\S+))?$/i.exec(line);
    if (from) result.push({ name: from[1], instructions: [] });
    else result.at(-1)?.instructions.push(line);
  }
  return result;
}

/** Whether .dockerignore (in the build context) leaves `file` out of the context. */
function dockerignored(context: string, file: string): boolean {
  let ignored = false;
  for (const line of readFileSync(path.join(context, '.dockerignore'), 'utf8').split('\n')) {
    const rule = line.trim();
    if (!rule || rule.startsWith('#')) continue;
    const negated = rule.startsWith('!');
    const glob = (negated ? rule.slice(1) : rule).replace(/^\/|\/$/g, '');
    const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
    // A rule matches the path or a directory above it; the last matching rule wins.
    if (new RegExp(`^${source}(/|$)`).test(file)) ignored = !negated;
  }
  return ignored;
}

/**
 * One Dockerfile stage laid out in `dir` (its WORKDIR, /app): COPY from the build context (the
 * fresh copy; a path .dockerignore leaves out fails, as it would be missing from the image) or
 * `--from=` an earlier stage; its RUN steps by their stand-ins below (an unknown one fails: it
 * needs a stated stand-in). Returns the stage's ENV.
 */
async function layOutStage(
  stage: string[],
  dir: string,
  from: { context: string; stages: Record<string, string> },
): Promise<Record<string, string>> {
  mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {};
  for (const instruction of stage) {
    const [op, ...args] = instruction.split(/\s+/);
    if (op === 'WORKDIR') expect(args).toEqual(['/app']);
    if (op === 'ENV') {
      for (const [, name, value] of instruction.matchAll(/(\w+)=("[^"]*"|\S*)/g)) {
        env[name!] = value!.replace(/^"|"$/g, '');
      }
    }
    if (op === 'RUN') await runStep(args.join(' '), dir);
    if (op !== 'COPY') continue;
    const stageName = args.find((a) => a.startsWith('--from='))?.slice('--from='.length);
    const paths = args.filter((a) => !a.startsWith('--'));
    const dest = paths.pop()!;
    for (const src of paths) {
      let source: string;
      if (stageName) {
        expect(from.stages, instruction).toHaveProperty(stageName);
        source = path.join(from.stages[stageName]!, path.relative('/app', src));
      } else {
        expect(dockerignored(from.context, src), `${src} is in .dockerignore`).toBe(false);
        source = path.join(from.context, src);
      }
      const target = dest.endsWith('/')
        ? path.join(dir, dest, path.basename(src))
        : path.join(dir, dest);
      mkdirSync(path.dirname(target), { recursive: true });
      if (lstatSync(source).isSymbolicLink()) symlinkSync(realpathSync(source), target);
      else cpSync(source, target, { recursive: true });
    }
  }
  return env;
}

/**
 * The Dockerfile's RUN steps, each by what stands in for it here:
 * - `npm ci`: this checkout's node_modules (installing would take minutes and the network);
 * - `npm run build && npm prune --omit=dev`: the build, as written; the prune is skipped (the
 *   node_modules is shared, and keeps the dev dependencies the image drops);
 * - `mkdir -p /app/models && chown node:node …`: the directory (no `node` user here).
 */
async function runStep(step: string, dir: string): Promise<void> {
  if (/^npm ci\b/.test(step)) {
    symlinkSync(realpathSync(path.join(repoRoot, 'node_modules')), path.join(dir, 'node_modules'));
  } else if (/^npm run build && npm prune\b/.test(step)) {
    const build = run(['npm', 'run', 'build'], dir, process.env);
    const code = await exited(build);
    if (code !== 0) throw new Error(`npm run build failed (${code}):\n${build.output()}`);
  } else if (/^mkdir -p \/app\/models\b/.test(step)) {
    mkdirSync(path.join(dir, 'models'));
  } else {
    throw new Error(`a RUN step with no stand-in in this test: ${step}`);
  }
}

/** Files under /app (node_modules aside), to see that the services wrote none. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory() && !path.relative(dir, e.parentPath).startsWith('node_modules'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .filter((file) => file !== 'node_modules')
    .sort();
}

interface Started {
  proc: ChildProcess;
  output(): string;
}

/** Runs a compose `command` in /app with the container's environment, as its own process group. */
function run(command: string[], cwd: string, env: NodeJS.ProcessEnv): Started {
  const [file, ...args] = command;
  const proc = spawn(file!, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // `docker compose logs` shows stdout and stderr together.
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  // A command that cannot start (no such file, no cwd) reports it here, not as a thrown error.
  proc.on('error', (err) => (output += `\n${err.message}\n`));
  return { proc, output: () => output };
}

/** The exit code; null if the process never ran or died by a signal. */
function exited(started: Started): Promise<number | null> {
  const { proc } = started;
  if (proc.exitCode !== null || proc.pid === undefined) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', () => resolve(null));
  });
}

/** A compose health check (`CMD` or `CMD-SHELL`) run in the container's environment: its exit code. */
async function healthCheck(
  test: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<number | null> {
  const [kind, ...rest] = test;
  const command = kind === 'CMD-SHELL' ? ['sh', '-c', rest.join(' ')] : rest;
  expect(['CMD', 'CMD-SHELL']).toContain(kind);
  const check = run(command, cwd, env);
  const timer = setTimeout(() => check.proc.kill('SIGKILL'), 10_000);
  try {
    return await exited(check);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` until it passes; fails at once with the service's output if the service exits.
 * Stops quietly once `signal` aborts (the other service failed: the test is over).
 */
async function untilHealthy(
  service: Started,
  name: string,
  check: () => Promise<number | null>,
  opts: { timeoutMs: number; signal: AbortSignal },
): Promise<void> {
  const { timeoutMs, signal } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted || (await check()) === 0) return;
    if (service.proc.exitCode !== null) {
      throw new Error(`${name} exited with ${service.proc.exitCode}:\n${service.output()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${name} not healthy after ${timeoutMs} ms:\n${service.output()}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const serviceEnv: Record<string, Record<string, string>> = {};
let copy: string;
let app: string;
/** What the image holds under /app before any service ran. */
let imageFiles: string[];
let database: { url: string; drop(): Promise<void> } | undefined;
let smtp: TestSmtpServer | undefined;
let port: number;
const queuePrefix = `compose-${randomBytes(5).toString('hex')}`;
const started: Record<string, Started> = {};
/** The admin signed in by the first-admin step, for the webhook step after it. */
let adminSession: { base: string; cookie: string; welcome: string } | undefined;

/**
 * Each env value that is a URL on a compose service's host is replaced by its stand-in here; a
 * service host left without one fails the test (a new service needs a stated stand-in).
 */
function substituteHosts(env: Record<string, string>, compose: ComposeFile) {
  const pg = environmentOf(compose.services.postgres!);
  const standIns: Record<string, (url: URL) => string> = {
    postgres: (url) => {
      // What the pgvector image creates from POSTGRES_USER / _PASSWORD / _DB must be what the
      // URL names, on Postgres' port.
      expect(url.username).toBe(pg.POSTGRES_USER);
      expect(url.password).toBe(pg.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
      expect(url.port).toBe('5432');
      return database!.url;
    },
    redis: (url) => {
      expect(url.port).toBe('6379');
      return TEST_REDIS_URL;
    },
    mailpit: (url) => {
      expect(url.port).toBe('1025'); // Mailpit's SMTP port
      return smtp!.url();
    },
  };
  for (const [name, value] of Object.entries(env)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    if (!(url.hostname in compose.services)) continue;
    const standIn = standIns[url.hostname];
    if (!standIn) throw new Error(`${name} names the service ${url.hostname}: no stand-in here`);
    env[name] = standIn(url);
  }
  for (const [name, value] of Object.entries(env)) {
    for (const host of Object.keys(compose.services)) {
      expect(value, name).not.toMatch(new RegExp(`[@/]${host}[:/]`));
    }
  }
}

describe.runIf(realPostgresOrSkip('the compose boot test'))(
  'docker-compose.yml, booted without docker',
  () => {
    beforeAll(async () => {
      copy = freshCopy('deskpilot-compose-');
      // `docker build` with the copy as its context: each stage in order, the last one is /app.
      const built: Record<string, string> = {};
      let imageEnv: Record<string, string> = {};
      for (const [i, stage] of stages().entries()) {
        const dir = path.join(path.dirname(copy), stage.name ?? `stage-${i}`);
        imageEnv = await layOutStage(stage.instructions, dir, { context: copy, stages: built });
        if (stage.name) built[stage.name] = dir;
        app = dir;
      }
      imageFiles = filesUnder(app);
      const home = path.join(path.dirname(copy), 'home');
      mkdirSync(home);

      database = await createEmptyTestDatabase();
      smtp = await TestSmtpServer.start();
      port = await freePort();
      for (const name of ['migrate', 'api', 'worker']) {
        const env: Record<string, string> = {
          // The image's PATH finds `node`; here, the node running this test.
          PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
          HOME: home,
          ...imageEnv,
          ...environmentOf(services[name]!),
        };
        substituteHosts(env, compose);
        // Compose's Redis belongs to the stack; the test Redis is shared, so keys get a prefix.
        expect(env.QUEUE_PREFIX).toBeUndefined();
        env.QUEUE_PREFIX = queuePrefix;
        serviceEnv[name] = env;
      }
      // The api's published port: the printed setup URL names the container's port
      // (http://localhost:PORT/...), which is right on the host only while both sides are equal.
      const [hostPort, containerPort] = services.api!.ports![0]!.split(':');
      expect(hostPort).toBe(containerPort);
      expect(serviceEnv.api!.PORT).toBe(containerPort);
      serviceEnv.api!.PORT = String(port);
      expect(serviceEnv.api!.HOST).toBe('0.0.0.0');
      serviceEnv.api!.HOST = '127.0.0.1';
      expect(serviceEnv.worker!.HEARTBEAT_FILE).toMatch(/^\/tmp\//);
      serviceEnv.worker!.HEARTBEAT_FILE = path.join(path.dirname(copy), 'worker.heartbeat');
    }, 300_000);

    afterAll(async () => {
      // Only the processes this file started: each service leads its own process group.
      await Promise.all(
        Object.values(started).map((service) => stopProcessGroup(service.proc.pid, 20_000)),
      );
      await database?.drop();
      await smtp?.close();
      const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
      try {
        for await (const keys of redis.scanStream({ match: `${queuePrefix}:*`, count: 500 })) {
          if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
        }
      } finally {
        redis.disconnect();
      }
      if (copy) removeFreshCopy(copy);
    }, 60_000);

    it('migrate, as written, migrates the empty database and exits 0', async () => {
      started.migrate = run(services.migrate!.command!, app, serviceEnv.migrate!);
      const code = await exited(started.migrate);
      expect(code, started.migrate.output()).toBe(0);
      const sql = postgres(database!.url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql`SELECT count(*)::int AS n FROM taxonomy_categories`;
        expect(row!.n).toBeGreaterThan(0); // the starter taxonomy, seeded with the migrations
      } finally {
        await sql.end();
      }
      expect(filesUnder(app)).toEqual(imageFiles);
    }, 60_000);

    it("then the api and a worker start; each one's health check, run as written, passes", async () => {
      const apiTest = services.api!.healthcheck!.test!;
      const containerPort = services.api!.ports![0]!.split(':')[1]!;
      const script = apiTest.at(-1)!;
      const mapped = script.replace(`127.0.0.1:${containerPort}/`, `127.0.0.1:${port}/`);
      expect(mapped).not.toBe(script);
      const apiCheck = () => healthCheck([...apiTest.slice(0, -1), mapped], app, serviceEnv.api!);
      const workerCheck = () =>
        healthCheck(services.worker!.healthcheck!.test!, app, serviceEnv.worker!);
      // Both checks can fail: nothing listens yet, no heartbeat yet.
      expect(await apiCheck()).not.toBe(0);
      expect(await workerCheck()).not.toBe(0);

      started.api = run(services.api!.command!, app, serviceEnv.api!);
      started.worker = run(services.worker!.command!, app, serviceEnv.worker!);
      // Both at once, as compose starts them; the first to fail stops the other's polling.
      const failed = new AbortController();
      const results = await Promise.allSettled(
        [
          untilHealthy(started.api, 'api', apiCheck, { timeoutMs: 60_000, signal: failed.signal }),
          untilHealthy(started.worker, 'worker', workerCheck, {
            timeoutMs: 60_000,
            signal: failed.signal,
          }),
        ].map((waiting) =>
          waiting.catch((err: unknown) => {
            failed.abort();
            throw err;
          }),
        ),
      );
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      // The api process runs no workers: what gets processed below, the worker process did.
      expect(started.api.output()).toMatch(/"roles":\["api"\].*"msg":"deskpilot started"/);
    }, 150_000);

    it('the first-admin step as documented: grep the api log for setup, open the URL, create the admin, sign in', async () => {
      // docker-compose.yml's comment gives the command and what to do with what it prints.
      const documented = /^#\s+(docker compose logs api (\|[^#]+?))\s+#\s*(.+)$/m.exec(composeText);
      expect(documented, 'the first-run comment in docker-compose.yml').not.toBeNull();
      const [, command, pipe, advice] = documented!;
      expect(advice).toContain('/app/setup');
      // README gives the same command.
      expect(readme).toContain(`\`${command}\``);
      // `docker compose logs api` is the api's output; the rest of the pipeline runs as written.
      const printed = spawnSync('sh', ['-c', pipe!.replace(/^\|\s*/, '')], {
        input: started.api!.output(),
        encoding: 'utf8',
      }).stdout;
      const link = /(https?:\/\/\S+\/app\/setup\?token=\S+)/.exec(printed);
      expect(
        link,
        `grep printed:\n${printed}\napi output:\n${started.api!.output()}`,
      ).not.toBeNull();
      const setupUrl = new URL(link![1]!);
      expect(setupUrl.pathname).toBe('/app/setup');
      expect(setupUrl.port).toBe(String(port)); // the published port (see beforeAll)
      const base = `http://127.0.0.1:${port}`;

      const form = await fetch(`${base}${setupUrl.pathname}${setupUrl.search}`);
      expect(form.status).toBe(200);
      const token = setupUrl.searchParams.get('token')!;
      expect(await form.text()).toContain(`value="${token}"`);
      const password = 'compose admin password';
      const created = await fetch(`${base}/app/setup`, {
        method: 'POST',
        body: new URLSearchParams({ token, email: 'admin@example.com', name: 'Admin', password }),
        redirect: 'manual',
      });
      expect(created.status).toBe(303);
      expect(created.headers.get('location')).toBe('/app/welcome');

      const login = await postLogin(
        { request: (url, init) => fetch(`${base}${url}`, { redirect: 'manual', ...init }) },
        { email: 'admin@example.com', password },
      );
      expect(login.status).toBe(303);
      const cookie = /dp_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
      const welcome = await fetch(`${base}/app/welcome`, { headers: { cookie } });
      expect(welcome.status).toBe(200);
      adminSession = { base, cookie, welcome: await welcome.text() };
    }, 60_000);

    it('a ticket posted to the webhook is triaged and drafted by the worker process', async () => {
      expect(adminSession, 'the admin from the first-admin step').toBeDefined();
      const { base, cookie, welcome } = adminSession!;
      // The checklist's integration key, as an admin connecting a helpdesk makes one.
      const csrf = /name="_csrf" value="([^"]+)"/.exec(welcome)![1]!;
      const keyPage = await fetch(`${base}/app/welcome/integration-key`, {
        method: 'POST',
        headers: { cookie },
        body: new URLSearchParams({ _csrf: csrf, name: 'compose test' }),
      });
      expect(keyPage.status).toBe(200);
      const key = /<code>(dp_[A-Za-z0-9]{8}_[\w-]{20,})<\/code>/.exec(await keyPage.text())![1]!;

      const filed = await fetch(`${base}/webhooks/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          eventId: 'compose-e1',
          ticket: { externalId: 'C-1', subject: 'Refund for a double charge' },
          requester: { email: 'customer@example.com' },
          message: { body: 'I was charged twice for my order, please refund one payment.' },
        }),
      });
      expect(filed.status).toBe(202);
      const { ticketId } = (await filed.json()) as { ticketId: string };

      const sql = postgres(database!.url, { max: 1, onnotice: () => {} });
      try {
        let row: { category: string | null; drafts: number } | undefined;
        const deadline = Date.now() + 90_000;
        while (!row?.drafts && Date.now() < deadline) {
          [row] = await sql<{ category: string | null; drafts: number }[]>`
            SELECT (SELECT category FROM ticket_triage WHERE ticket_id = ${ticketId}) AS category,
                   (SELECT count(*)::int FROM drafts WHERE ticket_id = ${ticketId}) AS drafts`;
          if (!row?.drafts) await new Promise((r) => setTimeout(r, 500));
        }
        expect(row?.category, started.worker!.output()).toBeTruthy();
        expect(row?.drafts, started.worker!.output()).toBe(1);
      } finally {
        await sql.end();
      }
      // Nothing under /app was written (the image's `node` user could not have).
      expect(filesUnder(app)).toEqual(imageFiles);
      expect(started.worker!.output()).not.toMatch(/"level":(50|60)/);
      expect(started.api!.output()).not.toMatch(/"level":(50|60)/);
    }, 120_000);
  },
);
