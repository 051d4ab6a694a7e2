import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The checkout the tests run from. */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * A fresh copy of the repository as a clone would have it: the files git tracks (their working-tree
 * contents, so an uncommitted change is tested too), no dist/, no data/, no .env. node_modules is
 * a symlink to this checkout's (installing again would take minutes and the network), and
 * ../shared sits beside the copy, as beside a clone (the data and tiny models the README's eval
 * commands read). Returns the copy's directory; `removeFreshCopy` deletes it.
 */
export function freshCopy(prefix = 'deskpilot-copy-'): string {
  const base = mkdtempSync(path.join(tmpdir(), prefix));
  const dir = path.join(base, 'deskpilot');
  mkdirSync(dir);
  const shared = path.resolve(repoRoot, '../shared');
  if (existsSync(shared)) symlinkSync(shared, path.join(base, 'shared'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    if (file === 'node_modules') continue;
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    try {
      copyFileSync(path.join(repoRoot, file), path.join(dir, file));
    } catch {
      // A file deleted in the working tree but still in the index: not part of a fresh clone.
    }
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Deletes a copy made by `freshCopy` (with the temporary directory holding it). */
export function removeFreshCopy(dir: string): void {
  rmSync(path.dirname(dir), { recursive: true, force: true });
}
