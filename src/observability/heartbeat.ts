import { writeFile } from 'node:fs/promises';
import type { Logger } from '../log.js';

/**
 * A worker has no HTTP listener to probe, so it proves it is alive by writing the time into a
 * file every `intervalMs` from its event loop; a container health check reads the file's mtime
 * (docker-compose.yml, `worker`). A loop blocked or a process wedged stops the writes, and the
 * check fails once the file is older than a few intervals.
 */
export function startHeartbeat(
  file: string,
  opts: { intervalMs: number; log: Pick<Logger, 'warn'> },
): { stop(): void } {
  let warned = false;
  const beat = () =>
    writeFile(file, `${new Date().toISOString()}\n`).then(
      () => {
        warned = false;
      },
      (err: unknown) => {
        // Once per failure streak: a read-only or missing directory would otherwise log forever.
        if (!warned) opts.log.warn({ err, file }, 'could not write the heartbeat file');
        warned = true;
      },
    );
  void beat();
  const timer = setInterval(() => void beat(), opts.intervalMs);
  // The heartbeat never keeps a process alive that is shutting down.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
