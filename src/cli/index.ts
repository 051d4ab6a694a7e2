import 'dotenv/config';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliUsageError, type Command, commands, confirmDestructive, usage } from './commands.js';
import { unknownOptionMessage } from './errors.js';

/**
 * The command line. Only node:util and the command table load before a command is chosen: config,
 * the database driver and the command's own code are imported by the command that needs them, so
 * `--help` and usage errors answer in a few hundred milliseconds.
 *
 * Flags are parsed strictly, per command: a misspelt flag (`retention run --dryrun`) stops with
 * exit code 2 and the command's usage instead of running the command without it.
 */

function findCommand(argv: string[]): { name: string; command: Command; rest: string[] } | null {
  const words = argv.filter((a) => !a.startsWith('-'));
  for (const length of [2, 1]) {
    const name = words.slice(0, length).join(' ');
    const command = commands[name];
    if (!command) continue;
    // Remove the command words (the first occurrences) and keep everything else in order.
    const rest = [...argv];
    for (const word of name.split(' ')) rest.splice(rest.indexOf(word), 1);
    return { name, command, rest };
  }
  return null;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || (argv.length === 1 && ['--help', '-h', 'help'].includes(argv[0]!))) {
    console.log(usage());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const words = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
    console.error(`Unknown command: ${words.join(' ') || argv.join(' ')}\n\n${usage()}`);
    return 2;
  }
  const { name, command, rest } = found;
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  const options: ParseArgsConfig['options'] = {
    ...(command.options as ParseArgsConfig['options']),
    help: { type: 'boolean', short: 'h' },
    ...(command.destructive ? { yes: { type: 'boolean', short: 'y' } } : {}),
  };
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options,
    }) as typeof parsed;
  } catch (err) {
    const message = unknownOptionMessage(err, Object.keys(options ?? {}));
    console.error(`${message}\n\nUsage: npm run -s cli -- ${command.usage}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(`Usage: npm run -s cli -- ${command.usage}\n\n${command.help}`);
    return 0;
  }
  const [min, max] = command.positionals ?? [0, 0];
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const problem =
      parsed.positionals.length < min
        ? 'missing argument'
        : `unexpected argument: ${parsed.positionals.slice(max).join(' ')}`;
    console.error(`${name}: ${problem}\n\nUsage: npm run -s cli -- ${command.usage}`);
    return 2;
  }
  try {
    if (command.destructive) {
      const plan = command.destructive(parsed.values, parsed.positionals);
      if (plan && !(await confirmDestructive(plan, parsed.values.yes === true))) return 2;
    }
    await command.run(parsed.values, parsed.positionals);
    // A command that ran to the end may still have failed in part (replay: a webhook refused a
    // file) and said so in process.exitCode, which the caller below would otherwise overwrite.
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CliUsageError) {
      console.error(err.message);
      return 2;
    }
    console.error(oneLine(err));
    return 1;
  }
}

/**
 * One line a person can act on. Database errors arrive wrapped by drizzle ("Failed query: <sql>
 * params: …"); the SQL is for developers and is replaced by the driver's own message.
 */
export function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (err.message.startsWith('Failed query:') && cause instanceof Error) {
    return `database error: ${cause.message}`;
  }
  if (err.name === 'ConfigError') return err.message;
  return err.message.split('\n')[0]!;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(oneLine(err));
    process.exitCode = 1;
  },
);
