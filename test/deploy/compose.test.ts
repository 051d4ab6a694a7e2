import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCompose } from '../support/compose.js';

const { compose } = loadCompose();
const { services } = compose;
const dockerfile = readFileSync('Dockerfile', 'utf8');

/** Whether a Docker daemon answers here (the CLI alone cannot build). */
function dockerRuns(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

function hasDocker(): boolean {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('docker-compose.yml', () => {
  it('every Deskpilot service extends the one shared environment (none replaces it)', () => {
    const shared = compose['x-env'];
    expect(shared).toMatchObject({
      DATABASE_URL: expect.any(String),
      REDIS_URL: expect.any(String),
    });
    for (const name of ['migrate', 'api', 'worker', 'models']) {
      expect(services[name]!.environment, name).toMatchObject(shared);
    }
    expect(services.api!.environment!.PORT).toBe('3000');
  });

  it('a one-shot migrate service runs first; api and workers wait for it to complete', () => {
    expect(services.migrate!.command).toEqual(['node', 'dist/cli/index.js', 'db', 'migrate']);
    expect(services.migrate!.restart).toBe('no');
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      expect(services[name]!.environment!.RUN_MIGRATIONS).toBe('false');
    }
  });

  it('every long-running service has a health check (only one-shot services go without)', () => {
    const longRunning = Object.entries(services).filter(
      ([, service]) => service.restart !== 'no' && !service.profiles,
    );
    expect(longRunning.map(([name]) => name).sort()).toEqual([
      'api',
      'mailpit',
      'postgres',
      'redis',
      'worker',
    ]);
    for (const [name, service] of longRunning) {
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
  });

  it("the worker's check, run as written, passes on a fresh heartbeat and fails on a stale or missing one", () => {
    const worker = services.worker!;
    const file = worker.environment!.HEARTBEAT_FILE!;
    expect(file).toMatch(/^\/tmp\//); // writable by the image's non-root user
    const [cmd, node, flag, script] = worker.healthcheck!.test!;
    expect([cmd, node, flag]).toEqual(['CMD', 'node', '-e']);
    const dir = mkdtempSync(path.join(tmpdir(), 'heartbeat-'));
    try {
      const heartbeat = path.join(dir, 'worker.heartbeat');
      // The check runs with the container's environment, which names the file.
      const check = () =>
        spawnSync(process.execPath, ['-e', script!], {
          env: { ...process.env, HEARTBEAT_FILE: heartbeat },
          stdio: 'ignore',
        }).status;
      expect(check()).not.toBe(0); // not written yet: the worker has not started
      writeFileSync(heartbeat, new Date().toISOString());
      expect(check()).toBe(0);
      const stale = (Date.now() - 45_000) / 1000;
      utimesSync(heartbeat, stale, stale);
      expect(check()).toBe(1); // three 10 s beats missed
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('health checks on postgres, redis and the api; Redis keeps its jobs', () => {
    expect(services.postgres!.healthcheck!.test!.join(' ')).toContain('pg_isready');
    expect(services.redis!.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(services.api!.healthcheck!.test!.join(' ')).toContain('/readyz');
    expect(services.redis!.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
  });

  it('runs the compiled build, and a one-shot service fills the models volume the workers read', () => {
    expect(services.api!.command!.slice(0, 2)).toEqual(['node', 'dist/main.js']);
    expect(services.worker!.command).toEqual(['node', 'dist/worker.js']);
    expect(services.models!.command).toEqual(
      expect.arrayContaining(['dist/cli/index.js', 'models', 'pull', '--dir', '/app/models']),
    );
    expect(services.models!.volumes).toEqual(['models:/app/models']);
    expect(services.worker!.volumes).toEqual(['models:/app/models:ro']);
    expect(compose.volumes).toHaveProperty('models');
  });

  it.runIf(hasDocker())('docker compose config accepts it', () => {
    execFileSync('docker', ['compose', 'config', '--quiet'], { stdio: 'pipe' });
  });
});

describe('Dockerfile', () => {
  it('two stages on Node 22: build compiles, the final stage runs dist/ as a non-root user', () => {
    const froms = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(froms).toHaveLength(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:22-/);
    const [build, final] = dockerfile.split(/^FROM /m).slice(1);
    expect(build).toContain('RUN npm run build');
    expect(final).toContain('COPY --from=build /app/dist ./dist');
    expect(final).toMatch(/^USER node$/m);
    expect(final).toContain('CMD ["node", "dist/main.js"]');
    expect(final).toContain('HEALTHCHECK');
    // The Node version the image runs is the one .nvmrc names.
    expect(froms[0]).toContain(`node:${readFileSync('.nvmrc', 'utf8').trim()}-`);
  });

  it('builds with docker build', (ctx) => {
    ctx.skip(!dockerRuns(), 'no Docker daemon here (`docker info` fails): the image is not built');
    execFileSync('docker', ['build', '--quiet', '--tag', 'deskpilot:compose-test', '.'], {
      stdio: 'pipe',
      timeout: 900_000,
    });
  }, 960_000);

  it('.dockerignore keeps node_modules, data, builds and secrets out of the build context', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['node_modules', 'data', 'dist', '.git', '.env', 'models']) {
      expect(ignored).toContain(entry);
    }
  });
});
