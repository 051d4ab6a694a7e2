// `npm run build`: compiles src/ to dist/ with tsc and copies the files tsc does not emit (the UI's
// static assets). Also imported by scripts/run.mjs, which builds on first start and after src/
// changed, so `npm ci && npm start` works on a fresh clone without a separate build step.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = path.join(root, 'dist');
const stamp = path.join(distDir, '.build-stamp');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestMtime(file) {
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(file)) {
    newest = Math.max(newest, newestMtime(path.join(file, entry)));
  }
  return newest;
}

/** Why dist/ must be (re)built, or null when it is current. No src/ (a deployed image) = current. */
export function buildNeeded() {
  if (!existsSync(path.join(root, 'src'))) return null;
  if (!existsSync(stamp)) return 'dist/ is missing';
  const built = statSync(stamp).mtimeMs;
  for (const input of inputs) {
    const file = path.join(root, input);
    if (existsSync(file) && newestMtime(file) > built)
      return `${input} changed since the last build`;
  }
  return null;
}

export function build() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new Error('typescript is not installed: run `npm ci` (with dev dependencies) to build');
  }
  // The stamp carries the build's START time: a source saved while tsc runs is newer than it, so
  // the next start builds again instead of running code that missed the change.
  const started = new Date();
  rmSync(distDir, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('tsc failed; dist/ was not built');
  cpSync(path.join(root, 'src/http/ui/public'), path.join(distDir, 'http/ui/public'), {
    recursive: true,
  });
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
