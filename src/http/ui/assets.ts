import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);
// Files beside each package's main entry (their `exports` maps do not list the browser builds).
const distOf = (pkg: string) => path.dirname(require.resolve(pkg));

/**
 * The inbox's static files: two libraries from npm (htmx, Chart.js) served by us — no CDN, so the
 * inbox works on an air-gapped network — and our own small script and stylesheet. An allowlist,
 * not a directory mount, so nothing else under node_modules is reachable.
 */
const files: Record<string, { path: string; type: string }> = {
  'htmx.min.js': {
    path: path.join(distOf('htmx.org'), 'htmx.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'chart.umd.min.js': {
    path: path.join(distOf('chart.js'), 'chart.umd.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'app.js': {
    path: path.join(import.meta.dirname, 'public', 'app.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'dashboard.js': {
    path: path.join(import.meta.dirname, 'public', 'dashboard.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'favicon.svg': {
    path: path.join(import.meta.dirname, 'public', 'favicon.svg'),
    type: 'image/svg+xml',
  },
  'app.css': {
    path: path.join(import.meta.dirname, 'public', 'app.css'),
    type: 'text/css; charset=utf-8',
  },
};

export function assetRoutes() {
  const app = new Hono();
  const cache = new Map<string, Buffer>();
  // Browsers ask for /favicon.ico on their own (JSON pages, bookmarks); point them at the SVG.
  app.get('/favicon.ico', (c) => c.redirect('/app/assets/favicon.svg', 301));
  app.get('/app/assets/:file', async (c) => {
    // An own-property lookup: `files.constructor` or `files.__proto__` is not a file.
    const name = c.req.param('file');
    const file = Object.hasOwn(files, name) ? files[name] : undefined;
    if (!file) return c.text('Not found', 404);
    let body = cache.get(file.path);
    if (!body) {
      body = await readFile(file.path);
      cache.set(file.path, body);
    }
    c.header('Content-Type', file.type);
    c.header('Cache-Control', 'public, max-age=300');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(new Uint8Array(body));
  });
  return app;
}
