import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { move, Piscina, transferableSymbol, valueSymbol } from 'piscina';

/**
 * Worker threads for CPU-heavy work on hostile input (security finding 5): MIME parsing, body
 * clean-up, HTML-to-text, reply stripping and PII redaction of a large message. Each of those is
 * bounded and linear, but a 16 MB message still held the event loop for about half a second, and
 * with it every other request of the process. Callers keep small inputs inline (a thread hop and
 * the copies both ways would be pure overhead on a normal ticket) and send only inputs above their
 * own threshold here.
 *
 * Piscina (pinned) rather than node:worker_threads directly: it already does what a hand-written
 * pool would have to get right — a queue, replacing a thread that crashed or ran out of memory
 * (the task rejects, the process lives), closing idle threads so an idle process holds none, and
 * unref'd threads that never keep the process alive.
 *
 * One pool, started on first use: a task names its module (`threadTask`), so every module shares
 * the same few threads. Under tsx or vitest the modules are TypeScript; the threads then load them
 * through tsx (a dev dependency), which the compiled build in dist/ never needs.
 */

// Two cores are common; leaving one to the event loop is the point of the pool.
const MAX_THREADS = Math.max(1, Math.min(2, availableParallelism() - 1));
// A thread's heap; past it the thread dies and its task fails, not the process. A 16 MB message
// grows the process by about 150 MB while a thread parses it.
const THREAD_HEAP_MB = 1024;
const IDLE_MS = 30_000;

let pool: Piscina | null = null;
let tasksSent = 0;

/** How many tasks this process has sent to the threads (tests: small inputs send none). */
export function threadTasksSent(): number {
  return tasksSent;
}

const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');

/** Flags for the threads: our own (the default), plus tsx's loader when running from source. */
function threadExecArgv(): string[] | undefined {
  // Under the tsx CLI its loader is already in our flags, which threads inherit; under vitest it
  // is not, and the threads would not load a .ts module.
  if (!fromSource || process.execArgv.some((arg) => arg.includes('tsx'))) return undefined;
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', loader];
}

function threads(): Piscina {
  pool ??= new Piscina({
    minThreads: 0,
    maxThreads: MAX_THREADS,
    idleTimeout: IDLE_MS,
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    execArgv: threadExecArgv(),
  });
  return pool;
}

/**
 * A function exported by a module beside the caller, run on the pool. `callerUrl` is the caller's
 * `import.meta.url`; `file` the module's name without extension (it gets the caller's own, .ts
 * from source, .js in dist/). Arguments and results are structured-cloned; `transfer` moves
 * buffers instead of copying them.
 */
export function threadTask<A, R>(
  callerUrl: string,
  file: string,
  name: string,
): (arg: A, transfer?: ArrayBuffer[]) => Promise<R> {
  const extension = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  const filename = fileURLToPath(new URL(`./${file}${extension}`, callerUrl));
  return (arg, transfer) => {
    tasksSent++;
    return threads().run(arg, { filename, name, transferList: transfer }) as Promise<R>;
  };
}

/** A thread task's result whose buffers are moved to the caller instead of copied. */
export function withMoved<T extends object>(value: T, buffers: readonly ArrayBuffer[]): T {
  return move({
    get [transferableSymbol]() {
      return buffers;
    },
    get [valueSymbol]() {
      return value;
    },
  } as never) as T;
}

// Large texts cross threads as UTF-8 bytes and are copied or decoded this much per event-loop
// turn: receiving 16 MB as one string (or copying it in one go) was itself a stall of its own.
const SLICE_BYTES = 256 * 1024;

/** A copy of `bytes` made a slice per turn, to hand to a thread (the caller keeps its buffer). */
export async function copyInTurns(bytes: Uint8Array): Promise<Uint8Array> {
  const copy = new Uint8Array(bytes.byteLength);
  for (let at = 0; at < bytes.byteLength; at += SLICE_BYTES) {
    copy.set(bytes.subarray(at, at + SLICE_BYTES), at);
    if (at + SLICE_BYTES < bytes.byteLength) await nextTurn();
  }
  return copy;
}

/** UTF-8 bytes from a thread as a string, decoded a slice per turn. */
export async function decodeInTurns(bytes: Uint8Array): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for (let at = 0; at < bytes.byteLength; at += SLICE_BYTES) {
    text += decoder.decode(bytes.subarray(at, at + SLICE_BYTES), { stream: true });
    if (at + SLICE_BYTES < bytes.byteLength) await nextTurn();
  }
  return text + decoder.decode();
}

/** Stops the threads (shutdown, tests). A later task starts a new pool. */
export async function closeThreadPool(): Promise<void> {
  const current = pool;
  pool = null;
  await current?.destroy();
}
