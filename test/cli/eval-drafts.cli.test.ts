import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/draft-eval');
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-eval-drafts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const evalDrafts = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/eval-drafts.ts', ...args], {
    cwd: root,
    env: {
      ...process.env,
      // A fresh database on the test server when there is one, else PGlite in memory.
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? '',
      LOG_LEVEL: 'silent',
      DRAFT_LLM: '',
    },
    timeout: 240_000,
  });

describe('npm run eval:drafts', () => {
  it('runs the fixture through import, triage and the draft step and prints the metrics last', async () => {
    const out = path.join(dir, 'report.html');
    const { stdout } = await evalDrafts(
      '--docs',
      path.join(fixtures, 'docs.jsonl'),
      '--tickets',
      path.join(fixtures, 'tickets.jsonl'),
      '--out',
      out,
    );
    const metrics = JSON.parse(stdout.trim().split('\n').at(-1)!);
    // 6 answerable questions, each answered from its own article; 4 off-topic, of which "set a
    // timer for ten minutes" shares two words with the password article and is answered.
    expect(metrics).toMatchObject({
      answered: 1,
      abstainedOffTopic: 0.75,
      top1Citation: 1,
      anyCitation: 1,
      fragmentRate: 0,
      wrongLanguageRate: 0,
      n: 10,
      onTopic: 6,
      offTopic: 4,
      generator: 'extractive',
    });
    expect(metrics.medianWords).toBeGreaterThan(10);
    expect(metrics.medianWords).toBeLessThanOrEqual(120);
    expect(metrics.p95Ms).toBeGreaterThanOrEqual(metrics.p50Ms);
    expect(metrics).not.toHaveProperty('llmFallbackRate');
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('how many calories are in a banana');
    expect(html).toContain('ok: abstained');
    expect(html).toContain('WRONG: answered off-topic');
  }, 240_000);

  it('names a bad ticket line and exits non-zero', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"query":"x","relevant":"not-a-list"}\n');
    await expect(
      evalDrafts('--docs', path.join(fixtures, 'docs.jsonl'), '--tickets', bad),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('tickets line 1: relevant') });
  }, 60_000);
});
