import { createDatabase, type Database, postgresClient } from '../db/client.js';

/** A throwaway database on the server of `url`, created and dropped around `fn`. */
export async function withFreshPostgres<T>(
  url: string,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const name = `deskpilot_eval_${process.pid}_${Date.now()}`;
  const admin = postgresClient(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const database = await createDatabase({ url: target.toString(), poolMax: 4 });
  try {
    await database.migrate();
    return await fn(database);
  } finally {
    await database.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

export async function withFreshPglite<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const database = await createDatabase({ pgliteDataDir: 'memory://' });
  try {
    await database.migrate();
    return await fn(database);
  } finally {
    await database.close();
  }
}
