import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-cli-'));
const env = {
  ...process.env,
  DATABASE_URL: '',
  PGLITE_DATA_DIR: path.join(dir, 'pglite'),
  LOG_LEVEL: 'silent',
};
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    cwd: root,
    env,
    timeout: 120_000,
  });
const evalClassify = (args: string[], timeout: number) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/eval-classify.ts', ...args], {
    cwd: root,
    env,
    timeout,
  });
const lastJson = (stdout: string) =>
  JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real command line against an embedded store: what an operator runs. */
describe('cli', () => {
  it('kb import indexes a folder, and re-importing changes nothing', async () => {
    const first = lastJson((await cli('kb', 'import', 'samples/kb')).stdout);
    expect(first).toMatchObject({ created: 6, indexed: 6, kind: 'folder' });
    const again = lastJson((await cli('kb', 'import', 'samples/kb')).stdout);
    expect(again).toMatchObject({ created: 0, unchanged: 6, indexed: 0 });
  }, 180_000);

  it('kb import takes one file and a CSV, like the upload; a wrong path or bad row is one line, exit 2', async () => {
    const md = path.join(dir, 'warranty.md');
    writeFileSync(md, '# Warranty claims\n\nEvery kettle has a two-year warranty.\n');
    expect(lastJson((await cli('kb', 'import', md)).stdout)).toMatchObject({
      kind: 'file',
      created: 1,
      indexed: 1,
    });
    const csv = path.join(dir, 'faq.csv');
    writeFileSync(
      csv,
      'title,body\nGift cards,"Gift cards never expire."\nVouchers,"One per order."\n',
    );
    expect(lastJson((await cli('kb', 'import', csv)).stdout)).toMatchObject({
      kind: 'csv',
      created: 2,
    });

    const missing = path.join(dir, 'no-such-folder');
    const gone = await cli('kb', 'import', missing).catch((err: unknown) => err);
    expect(gone).toMatchObject({ code: 2, stderr: `No such file or folder: ${missing}\n` });
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'name,text\nGift cards,never\n');
    const refused = await cli('kb', 'import', bad).catch((err: unknown) => err);
    expect(refused).toMatchObject({
      code: 2,
      stderr: 'bad.csv:2: needs the columns title and body\n',
    });
  }, 180_000);

  it('classifier train --csv imports labels (new ones become categories) and stores a version', async () => {
    const csv = path.join(dir, 'labels.csv');
    const rows = ['text,label'];
    for (let i = 0; i < 12; i++) {
      rows.push(`"My warranty claim #${i} for the broken kettle",warranty`);
      rows.push(`"Where is parcel ${i}, tracking is stuck",shipping`);
    }
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const out = lastJson((await cli('classifier', 'train', '--csv', csv, '--keep-starter')).stdout);
    expect(out.imported).toBe(24);
    expect(out.retiredStarter).toEqual([]);
    expect(out.createdCategories).toEqual(['warranty']);
    expect(out.version).toBeGreaterThanOrEqual(1);
    // Starter examples plus the 24 imported ones, with a held-out evaluation stored beside them.
    const metrics = out.metrics as { examples: number; heldOut: number; accuracy: number };
    expect(metrics.examples).toBeGreaterThanOrEqual(24 + 60);
    expect(metrics.heldOut).toBeGreaterThan(0);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0);
  }, 180_000);

  it('email inspect prints one JSON line', async () => {
    const file = path.resolve(root, '../shared/data/email/mailparser/delivery-status.eml');
    const out = lastJson((await cli('email', 'inspect', file)).stdout);
    expect(out).toMatchObject({
      automated: true,
      automatedReason: 'multipart/report',
      subject: 'Delivery Status Notification (Failure)',
    });
    expect(Object.keys(out).sort()).toEqual(
      [
        'attachments',
        'automated',
        'automatedReason',
        'from',
        'inReplyTo',
        'messageId',
        'references',
        'subject',
        'textLength',
      ].sort(),
    );
  }, 60_000);

  it('keys create prints the key once and stores only a hash', async () => {
    const out = lastJson((await cli('keys', 'create', '--role', 'agent', '--name', 'ci')).stdout);
    expect(String(out.key)).toMatch(/^dp_[A-Za-z0-9]{8}_/);
    const listed = (await cli('keys', 'list')).stdout;
    expect(listed).toContain(String(out.id));
    expect(listed).not.toContain(String(out.key));
    expect(readFileSync(path.join(root, 'package.json'), 'utf8')).toContain('"cli"');
  }, 60_000);

  it('eval:classify --field priority reports per-class quality, baselines and an HTML page', async () => {
    const data = path.join(dir, 'priorities.csv');
    const out = ['subject,body,priority'];
    for (let i = 0; i < 20; i++) {
      out.push(`Idea ${i},"A dark mode would be nice, suggestion ${i}",low`);
      out.push(`Question ${i},"How do I change my profile language ${i}",medium`);
      out.push(`Audit ${i},"We need the audit export before Friday, batch ${i}",high`);
    }
    writeFileSync(data, `${out.join('\n')}\n`);
    const html = path.join(dir, 'report.html');
    const { stdout } = await evalClassify(
      [
        '--train',
        data,
        '--split',
        '0.25',
        '--text-col',
        'subject,body',
        '--field',
        'priority',
        '--out',
        html,
      ],
      120_000,
    );
    const report = lastJson(stdout) as Record<string, unknown> & {
      perClass: Record<string, { recall: number }>;
      baselines: Record<string, { macroF1: number }>;
      macroF1: number;
    };
    expect(report).toMatchObject({ field: 'priority', n: 15 });
    for (const key of ['accuracy', 'macroF1', 'perClass', 'confusions', 'ece']) {
      expect(report).toHaveProperty(key);
    }
    // "medium" is the service's "normal"; every class is predicted.
    expect(Object.keys(report.perClass).sort()).toEqual(['high', 'low', 'normal']);
    expect(report.perClass.low!.recall).toBeGreaterThan(0);
    expect(report.macroF1).toBeGreaterThan(report.baselines.majority!.macroF1);
    expect(report.macroF1).toBeGreaterThan(report.baselines.rules!.macroF1);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('macro-F1');
    expect(page).toContain('<td>normal</td>');
  }, 180_000);

  it('eval:classify prints its JSON last line, and --llm runs the real LLM tier', async () => {
    const train = path.join(dir, 'train.csv');
    const test = path.join(dir, 'test.csv');
    const rows = (n: number, offset = 0) => {
      const out = ['text,label'];
      for (let i = offset; i < offset + n; i++) {
        out.push(`"I was charged twice on invoice ${i}",billing`);
        out.push(`"Parcel ${i} has not arrived yet",shipping`);
        out.push(`"Password reset link ${i} does not work",account`);
      }
      return `${out.join('\n')}\n`;
    };
    writeFileSync(train, rows(10));
    writeFileSync(test, rows(3, 100));
    const { stdout } = await evalClassify(
      [
        '--train',
        train,
        '--test',
        test,
        '--llm',
        path.resolve(root, '../shared/models/stories260K.gguf'),
        '--llm-threshold',
        '1.01',
        '--llm-limit',
        '1',
      ],
      170_000,
    );
    const out = lastJson(stdout);
    expect(Object.keys(out)).toEqual(
      expect.arrayContaining([
        'accuracy',
        'macroF1',
        'n',
        'trainMs',
        'predictP50Us',
        'predictP99Us',
      ]),
    );
    expect(out.n).toBe(9);
    expect(out.accuracy).toBeGreaterThan(0.6);
    expect(out.llmAsked).toBe(1);
  }, 180_000);

  it('replay exits 1 when a webhook refuses a file, after printing its answer', async () => {
    // A server that refuses everything, as Deskpilot does without INBOUND_BASIC_AUTH.
    const refusing = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"unauthorized"}}');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = refusing.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}`;
      const failed = await cli('replay', 'samples/tickets/01-password.eml', '--url', url).catch(
        (err: unknown) => err,
      );
      expect(failed).toMatchObject({ code: 1 });
      expect(lastJson((failed as { stdout: string }).stdout)).toMatchObject({
        webhook: '/webhooks/email/raw',
        status: 401,
      });
    } finally {
      refusing.close();
    }
  }, 60_000);

  it('rejects unknown commands with usage and exit code 2', async () => {
    await expect(cli('frobnicate')).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});
