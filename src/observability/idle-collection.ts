import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from 'pino';

/**
 * A full garbage collection once the process goes quiet after a burst of work.
 *
 * V8 collects the old generation when it reaches a limit set from the live size at the previous
 * collection, or from its memory reducer, which runs a few collections after a major one and then
 * stops until the next. A burst (the first run's KB import, training and drafts; a bulk import; a
 * retraining) promotes short-lived objects into the old generation, and an idle server allocates
 * too little to reach the limit again: the garbage stays resident. `npm run demo` with
 * `--trace-gc`: no major collection in the minute after its drafts, heap 100 MB used of which
 * ~60 MB live; a forced collection then took the process from 325 to 297 MB RSS (first run) and
 * from 269 to 260 MB (a later start). Chrome collects in idle time for the same reason; Node has no
 * idle notification, so this samples the event loop's utilisation instead.
 *
 * Every `intervalMs` (2 s; a timer that keeps nothing alive): when the loop was busy less than
 * `maxUtilization` of the interval and the old generation grew `minGrowthBytes` above the least it
 * held after a collection (ours, or one of V8's that left less: one V8 runs in the middle of a
 * burst finds much of the burst's data still live, and would hide the garbage), collect. The
 * collection is two blocking full GCs (~100–250 ms at ~60 MB live, 680 ms at a load average of
 * 22 on two cores), which is why it waits for a quiet loop; under sustained load it never runs
 * and V8's own schedule applies.
 */
export interface IdleCollectionOptions {
  intervalMs?: number;
  maxUtilization?: number;
  minGrowthBytes?: number;
  log?: Pick<Logger, 'debug'>;
  /**
   * For tests: the collector, the old generation's used size, the loop's utilisation since the
   * last call, and a subscription to V8's major collections (returns the unsubscribe).
   */
  gc?: () => void;
  usedHeap?: () => number;
  utilization?: () => number;
  onMajorCollection?: (listener: () => void) => () => void;
}

/** The process's `gc()`: `--expose-gc` only while a new context hands it over. */
function exposedGc(): () => void {
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return global.gc;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  return gc;
}

function loopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, last);
    last = now;
    return since.utilization;
  };
}

/**
 * The used size of every heap space but the young generation's: what is promoted stays until a
 * major collection, while the young generation (up to 16 MB a semi-space) fills and empties every
 * few seconds even in an idle process and would read as growth.
 */
function oldGenerationUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (!space.space_name.startsWith('new_')) used += space.space_used_size;
  }
  return used;
}

/** Node's `gc` performance entries of kind major (delivered in batches, after the collection). */
function majorCollections(listener: () => void): () => void {
  const observer = new PerformanceObserver((list) => {
    const entries = list.getEntries() as { detail?: { kind?: number } }[];
    if (entries.some((e) => e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) listener();
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

export function collectWhenIdle(options: IdleCollectionOptions = {}): { stop(): void } {
  const {
    // Two seconds of quiet: a finished burst is not left resident for long, and a 16 MB growth
    // (below) bounds how often a stop-and-go load can trigger it.
    intervalMs = 2_000,
    // An idle demo process reads 2–4 % at a load average of 20 on two cores (time descheduled in
    // a callback counts as busy); a process serving traffic reads far more.
    maxUtilization = 0.1,
    // About a quarter of the service's live heap (~60 MB after the demo): less garbage than that
    // is not worth a blocking collection.
    minGrowthBytes = 16 * 1024 * 1024,
    log,
  } = options;
  const usedHeap = options.usedHeap ?? oldGenerationUsed;
  const utilization = options.utilization ?? loopUtilization();
  let gc = options.gc;
  // About what is live: the old generation's used size after our last collection, or after one of
  // V8's that left less.
  let live = usedHeap();
  const unsubscribe = (options.onMajorCollection ?? majorCollections)(() => {
    live = Math.min(live, usedHeap());
  });
  const timer = setInterval(() => {
    const busy = utilization();
    const used = usedHeap();
    if (busy > maxUtilization || used - live < minGrowthBytes) return;
    gc ??= exposedGc();
    const started = performance.now();
    // The first collection frees the garbage but moves only the most fragmented pages; the second
    // compacts what is left into fewer pages, which V8 then gives back to the system (a test heap
    // of 205 MB reserved, 8 MB live: 139 MB reserved after one, 38 MB after two).
    gc();
    gc();
    live = usedHeap();
    // The collection itself is not the next interval's work.
    utilization();
    log?.debug(
      { freedMb: Math.round((used - live) / 1048576), ms: Math.round(performance.now() - started) },
      'idle garbage collection',
    );
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
