import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-retention-cli-'));
const cli = (env: Record<string, string>, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      PGLITE_DATA_DIR: path.join(dir, 'pglite'),
      LOG_LEVEL: 'silent',
      ...env,
    },
    timeout: 120_000,
  });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cli retention run', () => {
  it('prints the counts as JSON; --dry-run says so; disabled periods are null', async () => {
    const env = { RETENTION_TICKETS_DAYS: '365', RETENTION_OUTBOX_DAYS: '7' };
    const dry = JSON.parse((await cli(env, 'retention', 'run', '--dry-run')).stdout.trim());
    expect(dry).toMatchObject({
      dryRun: true,
      tickets: { tickets: 0, messages: 0 },
      ticketContent: null,
      aiInteractions: null,
      inboxEvents: null,
      outbox: { deleted: 0 },
      webhookNonces: { deleted: 0 },
    });
    const real = JSON.parse((await cli(env, 'retention', 'run', '--yes')).stdout.trim());
    expect(real).toMatchObject({ dryRun: false, tickets: { tickets: 0 }, outbox: { deleted: 0 } });
  }, 180_000);

  it('a misspelt flag or a missing --yes off a terminal runs nothing (exit 2, usage)', async () => {
    const misspelt = await cli({}, 'retention', 'run', '--dryrun').catch((e: unknown) => e);
    expect(misspelt).toMatchObject({ code: 2, stdout: '' });
    expect((misspelt as { stderr: string }).stderr).toContain("Unknown option '--dryrun'");
    expect((misspelt as { stderr: string }).stderr).toContain(
      'Usage: npm run -s cli -- retention run',
    );
    const unconfirmed = await cli({}, 'retention', 'run').catch((e: unknown) => e);
    expect(unconfirmed).toMatchObject({ code: 2, stdout: '' });
    expect((unconfirmed as { stderr: string }).stderr).toContain('add --yes');
    const erase = await cli({}, 'customers', 'erase', 'a@example.com').catch((e: unknown) => e);
    expect(erase).toMatchObject({ code: 2, stdout: '' });
    expect((erase as { stderr: string }).stderr).toContain('erases every ticket message');
  }, 180_000);
});
