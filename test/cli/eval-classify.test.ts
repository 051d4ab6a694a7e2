import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-eval-classify-'));
const GGUF = path.resolve(root, '../shared/models/stories260K.gguf');
const evalClassify = (args: string[], timeout: number) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/eval-classify.ts', ...args], {
    cwd: root,
    timeout,
  });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rows(n: number, offset = 0, labelled = true): string {
  const out = [labelled ? 'text,label' : 'text'];
  const tail = (label: string) => (labelled ? `,${label}` : '');
  for (let i = offset; i < offset + n; i++) {
    out.push(`"I was charged twice on invoice ${i}"${tail('billing')}`);
    out.push(`"Parcel ${i} has not arrived yet"${tail('shipping')}`);
    out.push(`"Password reset link ${i} does not work"${tail('account')}`);
  }
  return `${out.join('\n')}\n`;
}

describe('eval:classify --variant', () => {
  it.skipIf(!existsSync(GGUF))(
    'reports quality, train time and latency for each variant, an embedding model included',
    async () => {
      const train = path.join(dir, 'train.csv');
      const test = path.join(dir, 'test.csv');
      const unlabelled = path.join(dir, 'unlabelled.csv');
      writeFileSync(train, rows(10));
      writeFileSync(test, rows(4, 100));
      writeFileSync(unlabelled, rows(10, 200, false));
      const { stdout } = await evalClassify(
        [
          ...['--train', train, '--test', test, '--unlabelled', unlabelled],
          ...[
            '--variant',
            'default,pairs,self-train,pairs+self-train,corpus,embed',
            '--embedder',
            GGUF,
          ],
        ],
        170_000,
      );
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        accuracy: number;
        variants: Record<string, Record<string, number>>;
      };
      expect(Object.keys(report.variants)).toEqual([
        'default',
        'pairs',
        'self-train',
        'pairs+self-train',
        'corpus',
        'embed',
      ]);
      for (const scores of Object.values(report.variants)) {
        for (const key of ['accuracy', 'macroF1', 'ece', 'trainMs', 'predictP50Us']) {
          expect(scores[key]).toEqual(expect.any(Number));
        }
        expect(scores.accuracy).toBeGreaterThan(0.9);
      }
      expect(report.variants.default!.accuracy).toBe(report.accuracy);
      // All 30 unlabelled texts are as easy as the training texts: every one is pseudo-labelled.
      expect(report.variants['self-train']!.pseudoLabelled).toBe(30);
      await expect(
        evalClassify(['--train', train, '--test', test, '--variant', 'bogus'], 60_000),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('unknown variant bogus') });
    },
    180_000,
  );
});
