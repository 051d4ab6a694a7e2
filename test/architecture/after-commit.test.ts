import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The after-commit rule (docs/architecture.md): waking the outbox relay belongs to the commit that
 * wrote outbox rows (enqueueOutbox registers it), so no route, page or job calls notifyOutbox.
 */
const root = path.resolve(import.meta.dirname, '../../src');
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));

describe('after-commit rule', () => {
  it('no route, page, job or pipeline step calls notifyOutbox itself', () => {
    const offenders = ['http', 'queue', 'pipeline', 'ingest', 'kb']
      .flatMap((dir) => filesUnder(path.join(root, dir)))
      .filter((file) => /\bnotifyOutbox\s*\(/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(root, file));
    expect(offenders).toEqual([]);
  });
});
