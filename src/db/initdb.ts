import { execFile } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Creates a new embedded store in a short-lived child process instead of in this one.
 *
 * PGlite's initdb runs a second PGlite instance and initdb's own WebAssembly module beside the one
 * the caller keeps, and copies the whole heap of the first (`HEAPU8.slice()`, 128 MB) into a JS
 * buffer. Closed, they stay reachable from Emscripten's module state: measured with a forced GC,
 * `external` stayed at ~570 MB and RSS at ~515 MB in a process holding one open store, against
 * ~150 MB and ~165 MB when the store was created by a child. A worker thread frees the memories
 * but leaves its glibc arena and V8 pages resident (~220 MB after it exited); a process returns
 * everything. It costs one more Node start-up (~50 ms) on the first run only.
 *
 * The child builds the store in `<dir>.initdb` and renames it into place, so an interrupted first
 * run leaves no half-made store where PGlite would find it. Only for an absent or empty
 * directory: anything else is left to PGlite as it was.
 */
export async function initdbInChild(dataDir: string): Promise<boolean> {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) return false;
  const staging = `${path.resolve(dataDir)}.initdb`;
  rmSync(staging, { recursive: true, force: true });
  // CommonJS entry, by absolute path: `node -e` resolves packages from the working directory.
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `const { PGlite } = require(${JSON.stringify(pglite)});
PGlite.create(process.argv[1]).then((pg) => pg.close()).catch((err) => {
  console.error(err?.message ?? err);
  process.exit(1);
});`;
  try {
    await promisify(execFile)(process.execPath, ['-e', script, staging], {
      maxBuffer: 1024 * 1024,
    });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(
      `creating the embedded store in ${dataDir} failed${stderr ? `: ${stderr}` : ''}`,
    );
  }
  // rename(2) replaces an empty directory in one step.
  renameSync(staging, dataDir);
  return true;
}
