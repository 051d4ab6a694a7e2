import type { ServerType } from '@hono/node-server';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config/index.js';
import { buildDeps, closeDeps, type Deps } from './deps.js';
import { isUnavailableError } from './http/errors.js';
import { prepareEmbedder } from './kb/jobs.js';
import { type OutboxRelay, startOutboxRelay } from './queue/outbox-relay.js';
import { scheduleRetention } from './queue/schedules.js';
import { startWorkers, type WorkerPool } from './queue/workers.js';

export interface Runtime {
  deps: Deps;
  server?: ServerType;
  port?: number;
  workers?: WorkerPool;
  relay: OutboxRelay;
  stop(): Promise<void>;
}

/**
 * Starts the api, the workers or both in this process. Every process runs an outbox relay (rows are
 * claimed with SKIP LOCKED, so several relays cooperate) and the api kicks it after each commit.
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
  const relay = startOutboxRelay(deps.db, deps.queues, {
    pollMs: config.OUTBOX_POLL_MS,
    log: deps.log,
  });
  deps.notifyOutbox = () => relay.kick();
  if (roles.worker) {
    // Load configured models now so a bad model file fails at boot, not on the first ticket.
    await Promise.all([deps.models.classifierLlm?.load(), deps.models.draftLlm?.load()]);
  }
  const workers = roles.worker ? startWorkers(deps) : undefined;
  if (roles.worker) {
    // Redis was checked at boot; a failure here is logged, not fatal (the next boot retries).
    await scheduleRetention(deps).catch((err) =>
      deps.log.error({ err: err instanceof Error ? err.message : err }, 'retention not scheduled'),
    );
  }
  let server: ServerType | undefined;
  let port: number | undefined;
  if (roles.api) {
    const app = createApp(deps);
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
        port = info.port;
        resolve();
      });
    });
  }
  let stopping: Promise<void> | undefined;
  const runtime: Runtime = {
    deps,
    server,
    port,
    workers,
    relay,
    stop() {
      stopping ??= (async () => {
        // Order matters: stop accepting requests, let workers finish their jobs, flush the
        // outbox one last time, then close connections.
        if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
        await workers?.close();
        await relay.stop();
        await closeDeps(deps);
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
 * Unhandled promise rejections crash the process (Node's default), except a connection error
 * nobody was waiting for: postgres.js 3.4.9 fetches array types on every new connection without
 * catching, so a connection that drops during that query rejects into the void
 * (test/faults/postgres-outage). The pool reconnects on its own; crashing the process for it
 * would turn every database blip into a restart of the api and the workers.
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
}
