import { createHash } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

/**
 * One writer per embedded store. A PGlite directory may be opened by one process only (two would
 * each keep their own copy in memory and overwrite each other's files). The process that opens it
 * records itself in `<dir>.lock` beside the directory (PGlite runs initdb into an empty directory
 * and refuses one with stray files, so nothing of ours goes inside it):
 * - a server (`npm start`, a worker) serves the store on a Unix socket, `<dir>.sock`, and every
 *   other local process (CLI commands, `start:api` beside `start:worker`) connects through it, so
 *   what they write is what the server sees, at once;
 * - with no server running, a CLI command takes the lock itself for its run ("exclusive").
 *
 * The lock is a pid file, checked the way PostgreSQL checks postmaster.pid: a lock whose process is
 * gone (kill -9, power loss) is stale and taken over. Node has no flock(2); a library lock such as
 * proper-lockfile (mkdir + mtime refresh) would still need this file to say where the server
 * listens, and recognises a dead holder only after its staleness period instead of at once.
 */

export type EmbeddedMode =
  /** Own the store and serve it; refuse when another server already does (`npm start`). */
  | 'serve'
  /** Connect to the running server, or own and serve the store when there is none (workers). */
  | 'share'
  /** Connect to the running server, or own the store for this process only (CLI commands). */
  | 'exclusive';

export interface LockRecord {
  pid: number;
  role: 'server' | 'exclusive';
  since: string;
  /** Unix socket the server listens on; absent while it is still starting. */
  socket?: string;
}

export class EmbeddedStoreBusyError extends Error {
  readonly code = 'EMBEDDED_STORE_BUSY';
}

export function embeddedPaths(dataDir: string): { dir: string; lock: string; socket: string } {
  const dir = path.resolve(dataDir);
  let socket = `${dir}.sock`;
  // sun_path holds 108 bytes on Linux (104 on macOS); a deep data directory gets a socket in the
  // temporary directory instead, named after the store so every process finds the same one.
  if (Buffer.byteLength(socket) > 100) {
    const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
    socket = path.join(tmpdir(), `deskpilot-${hash}.sock`);
  }
  return { dir, lock: `${dir}.lock`, socket };
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // a recorded pid reused by us (container restart)
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(lockFile: string): LockRecord | null {
  try {
    const record = JSON.parse(readFileSync(lockFile, 'utf8')) as LockRecord;
    return typeof record.pid === 'number' ? record : null;
  } catch {
    return null;
  }
}

/** The live holder of the store, or null when it is free (no lock, or a stale one). */
export function currentHolder(dataDir: string): LockRecord | null {
  const holder = readLock(embeddedPaths(dataDir).lock);
  return holder && isAlive(holder.pid) ? holder : null;
}

/** Writes the whole record to a temporary file and links it into place: atomic, never half-written. */
function tryCreateLock(lockFile: string, record: LockRecord): boolean {
  const tmp = `${lockFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record));
  try {
    linkSync(tmp, lockFile);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

export interface StoreLock {
  readonly record: LockRecord;
  /** Records where the server listens (rename over our own lock: atomic). */
  update(patch: Partial<LockRecord>): void;
  release(): void;
}

/**
 * Takes the lock, or returns the live holder. A stale lock is removed and the attempt repeated
 * once; two processes racing over the same stale lock both remove it, and then only one links its
 * own (the other sees EEXIST and a live holder).
 */
export function acquireLock(
  dataDir: string,
  role: LockRecord['role'],
): StoreLock | { holder: LockRecord } {
  const { lock } = embeddedPaths(dataDir);
  mkdirSync(path.dirname(lock), { recursive: true });
  const record: LockRecord = { pid: process.pid, role, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreateLock(lock, record)) return ownLock(lock, record);
    const holder = readLock(lock);
    if (holder && isAlive(holder.pid)) return { holder };
    if (!holder) {
      // Unreadable: a partially written file from another tool, or gone in between. Look again.
      const again = readLock(lock);
      if (again && isAlive(again.pid)) return { holder: again };
    }
    rmSync(lock, { force: true });
  }
  throw new Error(`could not take the lock ${lock}`);
}

function ownLock(lockFile: string, initial: LockRecord): StoreLock {
  let record = initial;
  let released = false;
  const onExit = () => release();
  function release() {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    if (readLock(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
  }
  process.on('exit', onExit);
  return {
    get record() {
      return record;
    },
    update(patch) {
      record = { ...record, ...patch };
      const tmp = `${lockFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(record));
      renameSync(tmp, lockFile);
    },
    release,
  };
}

export function describeHolder(dataDir: string, holder: LockRecord): string {
  const what =
    holder.role === 'server'
      ? `a running Deskpilot server (pid ${holder.pid})`
      : `another command (pid ${holder.pid})`;
  return `The embedded store ${path.resolve(dataDir)} is in use by ${what}.`;
}

/**
 * Sequences the wire protocol of every socket client and the server's own in-process queries on
 * the one PGlite backend. pglite-socket's own multiplexer takes PGlite's query lock per message,
 * which lets another client's message — or an in-process query of the server — run between a
 * client's Parse and Bind, or inside its transaction. Here a client holds PGlite's transaction
 * lock (the one `PGlite.query` and `PGlite.transaction` take in-process) from its first message
 * until the backend reports ReadyForQuery with status idle ('I'): a whole extended-protocol
 * exchange, or a whole transaction, runs alone. Handed to pglite-socket's PGLiteSocketHandler
 * (its `queryQueue` option), which does the framing, SSL refusal and socket life cycle.
 */
class StoreQueue {
  private owner: number | null = null;
  private releaseOwner: (() => void) | null = null;
  private readonly gone = new Set<number>();

  constructor(private readonly pglite: PGlite) {}

  private acquire(handlerId: number): Promise<void> {
    return new Promise<void>((acquired, failed) => {
      this.pglite
        ._runExclusiveTransaction(
          () =>
            new Promise<void>((release) => {
              this.owner = handlerId;
              this.releaseOwner = release;
              acquired();
            }),
        )
        .catch(failed);
    });
  }

  private release(): void {
    const release = this.releaseOwner;
    this.owner = null;
    this.releaseOwner = null;
    release?.();
  }

  async enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    if (this.owner !== handlerId) await this.acquire(handlerId);
    if (this.gone.has(handlerId)) {
      await this.reset();
      throw new Error('client disconnected');
    }
    let bytes = 0;
    // The last six bytes of the response: a ReadyForQuery message ends it when the exchange is over.
    let tail = new Uint8Array(0);
    try {
      await this.pglite.runExclusive(() =>
        this.pglite.execProtocolRawStream(message, {
          onRawData: (data) => {
            bytes += data.length;
            const joined = new Uint8Array(tail.length + data.length);
            joined.set(tail);
            joined.set(data, tail.length);
            tail = joined.slice(-6);
            onData(data);
          },
        }),
      );
    } catch (err) {
      await this.reset();
      throw err;
    }
    const readyForQuery =
      tail.length === 6 && tail[0] === 0x5a && tail[1] === 0 && tail[4] === 5 ? tail[5] : undefined;
    if (readyForQuery === 0x49 /* 'I' */) this.release();
    return bytes;
  }

  clearQueueForHandler(handlerId: number): void {
    this.gone.add(handlerId);
  }

  /** A client that disconnects while it holds the backend: end its exchange and transaction. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner === handlerId) await this.reset();
  }

  private async reset(): Promise<void> {
    const sync = new Uint8Array([0x53, 0, 0, 0, 4]);
    const rollback = Buffer.from('ROLLBACK\0');
    const query = Buffer.alloc(5 + rollback.length);
    query.write('Q', 0);
    query.writeInt32BE(4 + rollback.length, 1);
    rollback.copy(query, 5);
    try {
      await this.pglite.runExclusive(async () => {
        await this.pglite.execProtocolRaw(sync);
        if (this.pglite.isInTransaction()) await this.pglite.execProtocolRaw(query);
      });
    } finally {
      this.release();
    }
  }
}

export interface EmbeddedServer {
  readonly socket: string;
  close(): Promise<void>;
}

/** Serves an open PGlite store on the lock's Unix socket (mode 0600: this user only). */
export async function serveEmbedded(pglite: PGlite, dataDir: string): Promise<EmbeddedServer> {
  const { socket } = embeddedPaths(dataDir);
  // We hold the lock, so a socket file left here belongs to a server that died.
  rmSync(socket, { force: true });
  const queue = new StoreQueue(pglite);
  const clients = new Set<Socket>();
  const server: Server = createServer((client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    const handler = new PGLiteSocketHandler({
      // Structurally what the handler calls (enqueue, clearQueueForHandler,
      // clearTransactionIfNeeded); its declared type is the package's own class.
      queryQueue: queue as unknown as ConstructorParameters<
        typeof PGLiteSocketHandler
      >[0]['queryQueue'],
      closeOnDetach: true,
    });
    handler.attach(client).catch(() => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socket, 0o600);
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.destroy();
        server.close(() => resolve());
      }),
  };
}
