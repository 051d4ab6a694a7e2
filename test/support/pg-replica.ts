import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
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

  static async start(): Promise<DisposablePrimaryReplica> {
    const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-pg-replica-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(dir, ...(await postgresIds()));
    const pair = new DisposablePrimaryReplica(dir, await freePort(), await freePort());
    const primary = path.join(dir, 'primary');
    await pair.sh(`${BIN}/initdb -D ${primary} -U postgres --auth=trust -N`);
    await pair.sh(
      `printf '%s\\n' "port = ${pair.primaryPort}" "listen_addresses = '127.0.0.1'" ` +
        `"unix_socket_directories = '${dir}'" "wal_level = replica" "max_wal_senders = 4" ` +
        `"fsync = off" >> ${primary}/postgresql.conf && ` +
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
