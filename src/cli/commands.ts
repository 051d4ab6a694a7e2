import { createInterface } from 'node:readline/promises';
import { setFlagsFromString } from 'node:v8';
import type { Config } from '../config/index.js';
import type { Database, Db } from '../db/client.js';
import type { PeopleDeps } from '../pipeline/people.js';
import { CliUsageError } from './errors.js';

export { CliUsageError };

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
type Values = Record<string, unknown>;

export interface Command {
  usage: string;
  help: string;
  options?: OptionSpec;
  /** Positional arguments after the command words: [min, max]. */
  positionals?: [number, number];
  /** For commands that delete data: what this run will do, or null when it changes nothing. */
  destructive?: (values: Values, positionals: string[]) => string | null;
  run(values: Values, positionals: string[]): Promise<void>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

async function config(): Promise<Config> {
  const { loadConfig } = await import('../config/index.js');
  return loadConfig(process.env);
}

/**
 * The database for one command: DATABASE_URL, or the embedded store — through the running
 * server when there is one (its writes are then visible to it at once), else opened by this
 * process alone under the store's lock.
 */
export async function withDb<T>(fn: (db: Db, database: Database) => Promise<T>): Promise<T> {
  const cfg = await config();
  if (!cfg.DATABASE_URL) patientWasmTiering();
  const { createDatabase } = await import('../db/client.js');
  const database = await createDatabase({
    url: cfg.DATABASE_URL,
    pgliteDataDir: cfg.PGLITE_DATA_DIR,
    pgliteSharedBuffers: cfg.PGLITE_SHARED_BUFFERS,
    poolMax: 2,
    embedded: 'exclusive',
    onWait: (message) => console.error(message),
  });
  try {
    // The running server migrated its store at boot; a store opened here may be new or older.
    if (!database.viaServer) {
      await database.migrate();
      const { seedStarterData } = await import('../pipeline/triage/starter-taxonomy.js');
      await seedStarterData(database.db);
    }
    return await fn(database.db, database);
  } finally {
    await database.close();
  }
}

/**
 * `withDb` with the running API processes' live events: for the people commands, whose changes
 * end open inbox streams (see cli/live.ts).
 */
async function withPeopleDeps<T>(fn: (deps: PeopleDeps) => Promise<T>): Promise<T> {
  const cfg = await config();
  const { withLiveEvents } = await import('./live.js');
  return withDb((db) => withLiveEvents(cfg, (live) => fn({ db, live })));
}

/**
 * V8 runs PGlite's WebAssembly (8.7 MB) first as baseline code and recompiles each function that
 * has run a while (its "tiering budget", a rough count of bytes executed) with its optimising
 * compiler, on background threads. Opening the store and running a few statements crosses that
 * budget for many functions, so a short command paid ~0.4 s of CPU for optimised code it exited
 * before using (profiled on `users list`: ~1.0 s → ~0.6 s of CPU for PGlite's open, query and close
 * with the budget 1,000× the default). A command that runs the store for long (kb import's
 * inserts, retention over a large store) still optimises its hot functions, a little later. Only
 * this process is affected, and only WebAssembly compiled after this call (PGlite's, opened next).
 */
function patientWasmTiering(): void {
  setFlagsFromString('--wasm-tiering-budget=1800000000');
}

/** Prints the plan; asks on a terminal, requires --yes otherwise. */
export async function confirmDestructive(plan: string, yes: boolean): Promise<boolean> {
  console.error(plan);
  if (yes) return true;
  if (!process.stdin.isTTY) {
    console.error('Not run: add --yes to confirm (no terminal to ask on).');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Proceed? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const commands: Record<string, Command> = {
  'db migrate': {
    usage: 'db migrate',
    help: 'Apply database migrations (also run on start).',
    run: () => withDb(async () => console.error('migrations applied')),
  },
  'keys create': {
    usage: 'keys create --role <role> [--name n] [--team t] [--new-team]',
    help: 'Create an API key (integration|agent|manager|admin); prints it once.',
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      team: { type: 'string' },
      'new-team': { type: 'boolean' },
    },
    run: async (v) => {
      const keys = await import('./commands/keys.js');
      await withDb(async (db) => {
        const team = await checkTeam(db, str(v.team), v['new-team'] === true);
        await keys.keysCreate(db, { role: str(v.role), name: str(v.name), team });
      });
    },
  },
  'keys list': {
    usage: 'keys list',
    help: 'List API keys (never the keys themselves).',
    run: async () => {
      const keys = await import('./commands/keys.js');
      await withDb((db) => keys.keysList(db));
    },
  },
  'keys revoke': {
    usage: 'keys revoke <id>',
    help: 'Revoke an API key by the id `keys list` shows.',
    positionals: [1, 1],
    run: async (_v, [id]) => {
      if (!UUID.test(id!)) {
        throw new CliUsageError(
          `Not an API key id: ${id} (ids look like 0b5f3c1e-…; see keys list)`,
        );
      }
      const keys = await import('./commands/keys.js');
      await withDb((db) => keys.keysRevoke(db, id));
    },
  },
  'users create': {
    usage:
      'users create --email e --role agent|manager|admin [--name n] [--team t] [--new-team] [--password p]',
    help: 'Create an inbox user. Without --password (or DESKPILOT_PASSWORD) a strong password is generated and printed once.',
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      team: { type: 'string' },
      'new-team': { type: 'boolean' },
      password: { type: 'string' },
    },
    run: async (v) => {
      const { userRoles } = await import('../db/schema/users.js');
      const role = str(v.role) ?? 'agent';
      if (!(userRoles as readonly string[]).includes(role)) {
        throw new CliUsageError(`Unknown role: ${role} (one of ${userRoles.join(', ')})`);
      }
      if (!str(v.email)) throw new CliUsageError('users create: --email is required');
      const users = await import('./commands/users.js');
      await withDb(async (db) => {
        const team = await checkTeam(db, str(v.team), v['new-team'] === true);
        await users.usersCreate(db, {
          email: str(v.email),
          name: str(v.name),
          role,
          team,
          password: str(v.password) ?? process.env.DESKPILOT_PASSWORD,
        });
      });
    },
  },
  'users list': {
    usage: 'users list',
    help: 'List inbox users.',
    run: async () => {
      const users = await import('./commands/users.js');
      await withDb((db) => users.usersList(db));
    },
  },
  'users disable': {
    usage: 'users disable <email>',
    help: 'Disable a user and end their sessions.',
    positionals: [1, 1],
    run: async (_v, [email]) => {
      const users = await import('./commands/users.js');
      await withPeopleDeps((deps) => users.usersDisable(deps, email!));
    },
  },
  'users enable': {
    usage: 'users enable <email>',
    help: 'Re-enable a disabled user (they sign in with their old password).',
    positionals: [1, 1],
    run: async (_v, [email]) => {
      const users = await import('./commands/users.js');
      await withDb((db) => users.usersEnable({ db }, email!));
    },
  },
  'users reset-password': {
    usage: 'users reset-password <email>',
    help: "Set a new password and end the user's sessions. Without DESKPILOT_PASSWORD a strong one is generated and printed once.",
    positionals: [1, 1],
    run: async (_v, [email]) => {
      const users = await import('./commands/users.js');
      await withPeopleDeps((deps) =>
        users.usersResetPassword(deps, email!, process.env.DESKPILOT_PASSWORD),
      );
    },
  },
  'users set-role': {
    usage: 'users set-role <email> --role agent|manager|admin',
    help: "Change a user's role (the last active admin cannot be demoted).",
    options: { role: { type: 'string' } },
    positionals: [1, 1],
    run: async (v, [email]) => {
      const { userRoles } = await import('../db/schema/users.js');
      const role = str(v.role);
      if (!role || !(userRoles as readonly string[]).includes(role)) {
        throw new CliUsageError(`users set-role: --role must be one of ${userRoles.join(', ')}`);
      }
      const users = await import('./commands/users.js');
      await withPeopleDeps((deps) =>
        users.usersSetRole(deps, email!, role as (typeof userRoles)[number]),
      );
    },
  },
  'email inspect': {
    usage: 'email inspect <file.eml>',
    help: 'Parse a message as intake would; prints one JSON line.',
    positionals: [1, 1],
    run: async (_v, [file]) => {
      const { emailInspect } = await import('./commands/email-inspect.js');
      await emailInspect(file!);
    },
  },
  replay: {
    usage: 'replay <file|dir> --url <base> [--key <api key>]',
    help: 'Post fixture files to the matching webhook (signed).',
    options: { url: { type: 'string' }, key: { type: 'string' } },
    positionals: [1, 1],
    run: async (v, [target]) => {
      const url = str(v.url);
      if (!url) throw new CliUsageError('replay: --url <base> is required');
      const { replay } = await import('./commands/replay.js');
      await replay(target!, { baseUrl: url, apiKey: str(v.key), config: await config() });
    },
  },
  'kb import': {
    usage:
      'kb import <dir | file.md|.html|.txt | file.jsonl | file.csv | export.json> [--source s] [--keep] [--queue]',
    help: 'Import knowledge-base articles (a Markdown/HTML/text folder or file, JSONL, CSV with title and body columns, a Zendesk Help Center export) and index them.',
    options: {
      source: { type: 'string' },
      keep: { type: 'boolean' },
      queue: { type: 'boolean' },
    },
    positionals: [1, 1],
    run: async (v, [target]) => {
      const [{ kbImportCommand }, { embedderFromConfig }] = await Promise.all([
        import('./commands/kb-import.js'),
        import('../build-deps.js'),
      ]);
      const embedder = await embedderFromConfig(await config());
      await withDb((db) =>
        kbImportCommand(
          db,
          target,
          { source: str(v.source), keep: v.keep === true, queue: v.queue === true },
          embedder,
        ),
      );
    },
  },
  'kb gaps': {
    usage: 'kb gaps [--since 30d] [--format json|csv]',
    help: 'Topics of the questions the knowledge base did not answer (abstained drafts, drafts rejected as wrong or missing information), with counts, trend and three examples: the articles to write next.',
    options: {
      since: { type: 'string' },
      format: { type: 'string' },
    },
    run: async (v) => {
      const format = str(v.format) ?? 'json';
      if (format !== 'json' && format !== 'csv') {
        throw new CliUsageError(`--format must be json or csv (got ${format})`);
      }
      const { knowledgeGaps, parseSince, gapsCsv } = await import('../kb/gaps.js');
      let sinceMs: number;
      try {
        sinceMs = parseSince(str(v.since) ?? '30d');
      } catch (err) {
        throw new CliUsageError((err as Error).message);
      }
      await withDb(async (db) => {
        const report = await knowledgeGaps(db, { sinceMs });
        process.stdout.write(
          format === 'csv' ? gapsCsv(report.topics) : `${JSON.stringify(report)}\n`,
        );
      });
    },
  },
  'classifier train': {
    usage:
      'classifier train [--csv file.csv] [--text-col text] [--label-col label] [--keep-starter] [--fields queue,priority=col]',
    help: 'Import labelled examples (category and any other triage field) and train a new model version per field; starter categories the CSV does not use are retired unless --keep-starter.',
    options: {
      csv: { type: 'string' },
      'text-col': { type: 'string' },
      'label-col': { type: 'string' },
      'keep-starter': { type: 'boolean' },
      fields: { type: 'string' },
    },
    run: async (v) => {
      const { classifierTrain } = await import('./commands/classifier.js');
      await withDb((db) =>
        classifierTrain(db, {
          csv: str(v.csv),
          textCol: str(v['text-col']),
          labelCol: str(v['label-col']),
          keepStarter: v['keep-starter'] === true,
          fields: str(v.fields),
        }),
      );
    },
  },
  'export finetune': {
    usage: 'export finetune --since <date> [--out file.jsonl]',
    help: 'Chat-format JSONL of approved replies (PII-redacted).',
    options: { since: { type: 'string' }, out: { type: 'string' } },
    run: async (v) => {
      const since = new Date(str(v.since) ?? '');
      if (Number.isNaN(since.getTime())) {
        throw new CliUsageError('--since <date> is required, e.g. --since 2026-01-01');
      }
      const { exportFinetune } = await import('./commands/export-finetune.js');
      await withDb((db) => exportFinetune(db, { since, out: str(v.out) }));
    },
  },
  'customers erase': {
    usage: 'customers erase <email> [--yes]',
    help: "Erase a customer's personal data everywhere (GDPR). Asks first; --yes when not on a terminal.",
    positionals: [1, 1],
    destructive: (_v, [email]) =>
      `This erases every ticket message, name and address of ${email} (GDPR erasure). It cannot be undone.`,
    run: async (_v, [email]) => {
      const { eraseCustomer } = await import('../privacy/erase.js');
      await withDb(async (db) =>
        console.log(JSON.stringify(await eraseCustomer(db, email!, { kind: 'cli' }))),
      );
    },
  },
  'retention run': {
    usage: 'retention run [--dry-run] [--yes]',
    help: 'Delete or anonymise data past its RETENTION_* period now; prints the counts as JSON (--dry-run: counts only). Asks first; --yes when not on a terminal.',
    options: { 'dry-run': { type: 'boolean' } },
    destructive: (v) =>
      v['dry-run'] === true
        ? null
        : 'This deletes or anonymises, now, the data past its RETENTION_* period (see `retention run --dry-run` for the counts).',
    run: async (v) => {
      const { retentionRun } = await import('./commands/retention.js');
      const cfg = await config();
      await withDb((db) => retentionRun(db, cfg, { dryRun: v['dry-run'] === true }));
    },
  },
  'models pull': {
    usage:
      'models pull [--dir ./models] [--only triage|draft|embed] [--endpoint <hf mirror>] [--allow-unverified]',
    help: 'Download the recommended models (checksummed; needs internet).',
    options: {
      dir: { type: 'string' },
      only: { type: 'string' },
      endpoint: { type: 'string' },
      'allow-unverified': { type: 'boolean' },
    },
    run: async (v) => {
      const { modelsPull } = await import('./commands/models.js');
      await modelsPull({
        dir: str(v.dir),
        only: str(v.only),
        endpoint: str(v.endpoint),
        allowUnverified: v['allow-unverified'] === true,
      });
    },
  },
};

/**
 * Teams are names, not rows: the ones routing rules send tickets to, and those users and keys
 * already carry. A name outside them is most often a typo, so it needs --new-team.
 */
async function checkTeam(db: Db, team: string | undefined, isNew: boolean) {
  if (!team || isNew) return team;
  const { knownTeams } = await import('../db/queries/teams.js');
  const known = await knownTeams(db);
  if (known.includes(team)) return team;
  throw new CliUsageError(
    `Unknown team: ${team} (known: ${known.join(', ') || 'none yet'}; add --new-team to start a new one)`,
  );
}

export function usage(): string {
  const lines = ['Usage: npm run -s cli -- <command>', ''];
  for (const command of Object.values(commands)) {
    lines.push(`  ${command.usage}`);
    lines.push(`      ${command.help}`);
  }
  lines.push('', 'Every command takes --help.');
  return lines.join('\n');
}
