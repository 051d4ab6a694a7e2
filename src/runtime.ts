import type { ServerType } from '@hono/node-server';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { buildDeps, closeDeps } from './build-deps.js';
import type { Config } from './config/index.js';
import type { Deps } from './deps.js';
import { isUnavailableError } from './http/errors.js';
import { redisDurabilityProblem } from './jobs/redis.js';
import { prepareEmbedder } from './kb/jobs.js';
import { collectWhenIdle } from './observability/idle-collection.js';
import { closeThreadPool } from './offload/pool.js';
import { type OutboxRelay, startOutboxRelay } from './queue/outbox-relay.js';
import { scheduleAutoSolve, scheduleRetention } from './queue/schedules.js';
import { startWorkers, type WorkerPool } from './queue/workers.js';

export interface Runtime {
  deps: Deps;
  server?: ServerType;
  port?: number;
  workers?: WorkerPool;
  /** Present in processes with the worker role. */
  relay: OutboxRelay | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the api, the workers or both in this process. Processes with the worker role run an
 * outbox relay (rows are claimed with SKIP LOCKED, so several relays cooperate); in one process
 * with both roles the api kicks it after each commit. An api-only process does not relay: its
 * requests then cost HTTP and Postgres only (with the relay, bench:ingest on a loaded machine
 * measured 2.2–2.4 ms of api CPU per webhook, without it 1.4–1.6 ms), intake never waits on
 * Redis, and the workers' relays pick the rows up within OUTBOX_POLL_MS.
 */
export async function startRuntime(
  config: Config,
  roles: { api: boolean; worker: boolean },
  overrides: Parameters<typeof buildDeps>[1] = {},
): Promise<Runtime> {
  const deps = await buildDeps(config, overrides);
  // Registers the configured embedder; a newly configured model is filled in the background while
  // search keeps using the previous one.
  for (const embedder of deps.embedders) await prepareEmbedder(deps.db, embedder);
  const relay = roles.worker
    ? startOutboxRelay(deps.db, deps.queues, {
        pollMs: config.OUTBOX_POLL_MS,
        log: deps.log,
        onRequeued: (rows) => deps.observability.outboxRequeued.inc(rows),
      })
    : undefined;
  if (relay) deps.notifyOutbox = () => relay.kick();
  const redisProblem = await redisDurabilityProblem(deps.redis);
  if (redisProblem) deps.log.warn({ redis: redisProblem }, 'redis is not set up to keep jobs');
  if (roles.worker) {
    // Load configured models now so a bad model file fails at boot, not on the first ticket.
    await Promise.all([deps.models.classifierLlm?.load(), deps.models.draftLlm?.load()]);
  }
  deps.backpressure.start();
  const workers = roles.worker ? startWorkers(deps) : undefined;
  if (roles.worker) {
    // Redis was checked at boot; a failure here is logged, not fatal (the next boot retries).
    await scheduleRetention(deps).catch((err) =>
      deps.log.error({ err: err instanceof Error ? err.message : err }, 'retention not scheduled'),
    );
    await scheduleAutoSolve(deps).catch((err) =>
      deps.log.error({ err: err instanceof Error ? err.message : err }, 'auto-solve not scheduled'),
    );
  }
  let server: ServerType | undefined;
  let port: number | undefined;
  if (roles.api) {
    const app = createApp(deps);
    try {
      await new Promise<void>((resolve, reject) => {
        server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
          port = info.port;
          server!.off('error', reject);
          resolve();
        });
        // EADDRINUSE and friends arrive as an 'error' event, not through the callback.
        server.once('error', reject);
      });
    } catch (err) {
      await workers?.close();
      await relay?.stop();
      await closeDeps(deps);
      throw err;
    }
  }
  // Garbage a burst of work promoted is otherwise kept while the process idles (see the module).
  const idleCollection = collectWhenIdle({ log: deps.log });
  let stopping: Promise<void> | undefined;
  const runtime: Runtime = {
    deps,
    server,
    port,
    workers,
    relay,
    stop() {
      stopping ??= (async () => {
        idleCollection.stop();
        // Order matters: stop accepting requests, let workers finish their jobs, flush the
        // outbox one last time, then close connections.
        if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
        deps.backpressure.stop();
        await workers?.close();
        await relay?.stop();
        await closeDeps(deps);
        await closeThreadPool();
      })();
      return stopping;
    },
  };
  return runtime;
}

/** SIGTERM/SIGINT: graceful stop under a timeout, then exit. */
export function installSignalHandlers(runtime: Runtime, timeoutMs: number): void {
  const onSignal = (signal: string) => {
    runtime.deps.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      runtime.deps.log.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    runtime
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        runtime.deps.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}

/**
 * postgres.js 3.4.9 (the latest release) throws from a timer when a write it scheduled runs after
 * its socket closed (porsager/postgres#1154, #1208): the connection's queries were already rejected
 * with CONNECTION_CLOSED and nothing waits on the throw. Seen in test/faults/postgres-outage.
 * patches/postgres+3.4.9.patch (applied by npm's postinstall) guards that write; this stays for an
 * install that skipped scripts.
 */
export function isPostgresClosedSocketWrite(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    err.message.includes("reading 'write'") &&
    /nextWrite[^\n]*postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '')
  );
}

/**
 * Crashes stay crashes (logged as fatal, exit 1), except two failures of the Postgres driver during
 * a database outage that leave nothing to clean up and would otherwise turn every database blip
 * into a restart of the api and the workers (jobs stalled, replies in flight marked uncertain):
 * - a connection error nobody awaited: postgres.js fetches array types on each new connection
 *   without catching, so a connection dropping during that query is an unhandled rejection;
 * - the closed-socket write above (unpatched driver only).
 */
export function installCrashHandlers(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isUnavailableError(reason)) {
      log.warn(
        { err: reason instanceof Error ? reason.message : String(reason) },
        'connection error nobody awaited (ignored; the pool reconnects)',
      );
      return;
    }
    log.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
  process.on('uncaughtException', (err) => {
    if (isPostgresClosedSocketWrite(err)) {
      log.error({ err: err.message }, 'postgres.js wrote to a closed connection (ignored)');
      return;
    }
    log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
}
