import 'dotenv/config';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { createDatabase } from '../db/client.js';
import { prepareDatabase } from '../deps.js';

const usage = `Usage: npm run -s cli -- <command>

  db migrate                          apply migrations (also run on start)
  keys create --role <role> [--name n] [--team t]
                                      create an API key (integration|agent|manager|admin); prints it once
  keys list | keys revoke <id>
  users create --email e --role agent|manager|admin [--name n] [--team t] [--password p]
                                      create an inbox user (password generated and printed once if not
                                      given; DESKPILOT_PASSWORD also works)
  users list | users disable <email>
  email inspect <file.eml>            parse a message as intake would; prints one JSON line
  replay <file|dir> --url <base> [--key <api key>]
                                      post fixture files to the matching webhook (signed)
  kb import <dir | file.jsonl | export.json> [--source s] [--keep] [--queue]
                                      import knowledge-base articles (Markdown/HTML/text folder, JSONL,
                                      Zendesk Help Center export) and index them
  classifier train [--csv file.csv] [--text-col text] [--label-col label] [--keep-starter]
                   [--fields queue,priority=col]
                                      import labelled examples (category and any other triage
                                      field) and train a new model version per field; starter
                                      categories the CSV does not use are retired unless
                                      --keep-starter
  export finetune --since <date> [--out file.jsonl]
                                      chat-format JSONL of approved replies (PII-redacted)
  customers erase <email>             erase a customer's personal data everywhere (GDPR)
  retention run [--dry-run]           delete or anonymise data past its RETENTION_* period now;
                                      prints the counts as JSON (--dry-run: counts only)
  models pull [--dir ./models] [--only triage|draft|embed] [--endpoint <hf mirror>] [--allow-unverified]
                                      download the recommended models (checksummed; needs internet)
`;

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof createDatabase>>) => Promise<T>) {
  const config = loadConfig(process.env);
  const database = await createDatabase({
    url: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
    poolMax: 2,
  });
  try {
    await prepareDatabase(database);
    return await fn(database);
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      team: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      dir: { type: 'string' },
      only: { type: 'string' },
      endpoint: { type: 'string' },
      'allow-unverified': { type: 'boolean' },
      source: { type: 'string' },
      keep: { type: 'boolean' },
      queue: { type: 'boolean' },
      csv: { type: 'string' },
      'text-col': { type: 'string' },
      'label-col': { type: 'string' },
      'keep-starter': { type: 'boolean' },
      fields: { type: 'string' },
      since: { type: 'string' },
      out: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const [group, command, ...rest] = positionals;
  const cmd = `${group ?? ''} ${command ?? ''}`.trim();
  if (values.help || !group) {
    console.log(usage);
    return;
  }
  switch (group) {
    case 'db':
      if (command !== 'migrate') break;
      await withDb(async () => console.error('migrations applied'));
      return;
    case 'keys': {
      const keys = await import('./commands/keys.js');
      if (command === 'create') {
        return withDb((d) =>
          keys.keysCreate(d.db, {
            role: str(values.role),
            name: str(values.name),
            team: str(values.team),
          }),
        );
      }
      if (command === 'list') return withDb((d) => keys.keysList(d.db));
      if (command === 'revoke') return withDb((d) => keys.keysRevoke(d.db, rest[0]));
      break;
    }
    case 'users': {
      const users = await import('./commands/users.js');
      if (command === 'create') {
        return withDb((d) =>
          users.usersCreate(d.db, {
            email: str(values.email),
            name: str(values.name),
            role: str(values.role),
            team: str(values.team),
            password: str(values.password) ?? process.env.DESKPILOT_PASSWORD,
          }),
        );
      }
      if (command === 'list') return withDb((d) => users.usersList(d.db));
      if (command === 'disable') return withDb((d) => users.usersDisable(d.db, rest[0]));
      break;
    }
    case 'email':
      if (command === 'inspect' && rest[0]) {
        const { emailInspect } = await import('./commands/email-inspect.js');
        return emailInspect(rest[0]);
      }
      break;
    case 'replay': {
      const target = command;
      const url = str(values.url);
      if (!target || !url) break;
      const { replay } = await import('./commands/replay.js');
      await replay(target, {
        baseUrl: url,
        apiKey: str(values.key),
        config: loadConfig(process.env),
      });
      return;
    }
    case 'kb': {
      if (command !== 'import') break;
      const { kbImportCommand } = await import('./commands/kb-import.js');
      const { embedderFromConfig } = await import('../deps.js');
      const embedder = await embedderFromConfig(loadConfig(process.env));
      return withDb((d) =>
        kbImportCommand(
          d.db,
          rest[0],
          { source: str(values.source), keep: values.keep === true, queue: values.queue === true },
          embedder,
        ),
      );
    }
    case 'classifier': {
      if (command !== 'train') break;
      const { classifierTrain } = await import('./commands/classifier.js');
      return withDb((d) =>
        classifierTrain(d.db, {
          csv: str(values.csv),
          textCol: str(values['text-col']),
          labelCol: str(values['label-col']),
          keepStarter: values['keep-starter'] === true,
          fields: str(values.fields),
        }),
      );
    }
    case 'export': {
      if (command !== 'finetune') break;
      const since = new Date(str(values.since) ?? '');
      if (Number.isNaN(since.getTime()))
        throw new Error('--since <date> is required, e.g. --since 2026-01-01');
      const { exportFinetune } = await import('./commands/export-finetune.js');
      await withDb((d) => exportFinetune(d.db, { since, out: str(values.out) }));
      return;
    }
    case 'retention': {
      if (command !== 'run') break;
      const { retentionRun } = await import('./commands/retention.js');
      const config = loadConfig(process.env);
      return withDb((d) => retentionRun(d.db, config, { dryRun: values['dry-run'] === true }));
    }
    case 'customers': {
      if (command !== 'erase' || !rest[0]) break;
      const { eraseCustomer } = await import('../privacy/erase.js');
      const email = rest[0];
      return withDb(async (d) =>
        console.log(JSON.stringify(await eraseCustomer(d.db, email, { kind: 'cli' }))),
      );
    }
    case 'models': {
      if (command !== 'pull') break;
      const { modelsPull } = await import('./commands/models.js');
      await modelsPull({
        dir: str(values.dir),
        only: str(values.only),
        endpoint: str(values.endpoint),
        allowUnverified: values['allow-unverified'] === true,
      });
      return;
    }
  }
  console.error(`Unknown command: ${cmd}\n\n${usage}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((err) => {
  console.error(
    err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err,
  );
  process.exitCode = 1;
});
