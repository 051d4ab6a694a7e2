import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { createDatabase, type Database, postgresClient } from '../../src/db/client.js';
import { procStat } from './proc.js';
import { freePort } from './redis-server.js';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A private primary and its streaming replica (initdb, then pg_basebackup -R) on loopback ports,
 * run as the `postgres` OS user when this process is root (initdb refuses root).
 */
export class DisposablePrimaryReplica {
  private constructor(
    private readonly dir: string,
    readonly primaryPort: number,
    readonly replicaPort: number,
  ) {}

  /** `settings`: extra postgresql.conf lines (the replica copies the primary's configuration). */
  static async start(options: { settings?: string[] } = {}): Promise<DisposablePrimaryReplica> {
    const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-pg-replica-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(dir, ...(await postgresIds()));
    const pair = new DisposablePrimaryReplica(dir, await freePort(), await freePort());
    const primary = path.join(dir, 'primary');
    await pair.sh(`${BIN}/initdb -D ${primary} -U postgres --auth=trust -N`);
    await pair.sh(
      `printf '%s\\n' "port = ${pair.primaryPort}" "listen_addresses = '127.0.0.1'" ` +
        `"unix_socket_directories = '${dir}'" "wal_level = replica" "max_wal_senders = 4" ` +
        `"fsync = off" ${(options.settings ?? []).map((line) => `"${line}"`).join(' ')} ` +
        `>> ${primary}/postgresql.conf && ` +
        `echo "host replication all 127.0.0.1/32 trust" >> ${primary}/pg_hba.conf`,
    );
    await pair.sh(`${BIN}/pg_ctl -D ${primary} -l ${dir}/primary.log -w start`);
    const replica = path.join(dir, 'replica');
    await pair.sh(
      `${BIN}/pg_basebackup -h 127.0.0.1 -p ${pair.primaryPort} -U postgres -D ${replica} -R -X stream`,
    );
    await pair.sh(`echo "port = ${pair.replicaPort}" >> ${replica}/postgresql.conf`);
    await pair.sh(`${BIN}/pg_ctl -D ${replica} -l ${dir}/replica.log -w start`);
    return pair;
  }

  url(which: 'primary' | 'replica', database = 'postgres'): string {
    const port = which === 'primary' ? this.primaryPort : this.replicaPort;
    return `postgres://postgres@127.0.0.1:${port}/${database}`;
  }

  /**
   * A new database on the primary with the project's migrations applied (replicated to the
   * replica like everything else), and `extensions` created first.
   */
  async createDatabase(
    name: string,
    extensions: string[] = [],
  ): Promise<Database & { url: string }> {
    const admin = postgresClient(this.url('primary'), { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = this.url('primary', name);
    const database = await createDatabase({ url, poolMax: 20 });
    for (const extension of extensions) {
      await database.db.execute(sql.raw(`CREATE EXTENSION IF NOT EXISTS ${extension}`));
    }
    await database.migrate();
    return { ...database, url };
  }

  /**
   * CPU seconds one server has used so far, its exited backends included: the postmaster's own
   * time and its reaped children's (cutime, cstime), plus its live children's. Linux only (0
   * elsewhere).
   */
  cpuSeconds(which: 'primary' | 'replica'): number {
    try {
      const pid = Number(
        readFileSync(path.join(this.dir, which, 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      let total = 0;
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const stat = procStat(Number(entry));
        if (!stat) continue;
        if (Number(entry) === pid) total += stat.self + stat.children;
        else if (stat.ppid === pid) total += stat.self;
      }
      return total;
    } catch {
      return 0;
    }
  }

  async stop(): Promise<void> {
    for (const which of ['replica', 'primary']) {
      await this.sh(`${BIN}/pg_ctl -D ${path.join(this.dir, which)} -m immediate -w stop`).catch(
        () => {},
      );
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async sh(command: string): Promise<void> {
    if (process.getuid?.() === 0) await run('su', ['postgres', '-s', '/bin/sh', '-c', command]);
    else await run('/bin/sh', ['-c', command]);
  }
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: group } = await run('id', ['-g', 'postgres']);
  return [Number(stdout.trim()), Number(group.trim())];
}
