// Runs a compiled entry point: `node scripts/run.mjs cli/index users list` imports
// dist/cli/index.js with argv as if it had been started directly. Builds dist/ first when it is
// missing or older than src/ (one check of file times, a few milliseconds), so the npm scripts
// never run stale code. In one process: a wrapper spawning `node dist/...` would pay Node's
// start-up twice.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, buildNeeded, distDir } from './build.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry under dist/, e.g. main> [args…]');
  process.exit(2);
}
const reason = buildNeeded();
if (reason) {
  console.error(`Building dist/ (${reason})…`);
  try {
    build();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
const file = path.join(distDir, `${entry}.js`);
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
