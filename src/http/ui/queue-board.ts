import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { roleAllows } from '../../auth/api-keys.js';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { requireApiKey, sessionPrincipal } from '../middleware/auth.js';
import { requireUser } from './session.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bull Board's page has inline style attributes and a <style> block (its loading screen), so it
 * cannot live under the inbox's style-src 'self'; scripts stay 'self' (its bundles are files).
 * Nothing outside this origin is allowed: the board works offline and sends nothing to third
 * parties (its page's Google Fonts link is taken out, see `withoutExternalLinks`).
 */
const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Bull Board's page as its template renders it, less every `<link>` to another host: its
 * template links a Google Fonts stylesheet, which the CSP would refuse with a console error on
 * every visit (and which asks a third party for a file). Its CSS names the fonts with a
 * `sans-serif` / `monospace` fallback, so the board is drawn in the system fonts instead.
 */
function withoutExternalLinks(html: string): string {
  return html.replace(/<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\/[^>]*>\s*/gi, '');
}

/** The board's HTML page (not its API's JSON, nor its static files) through `withoutExternalLinks`. */
const ownResourcesOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!c.res.headers.get('content-type')?.startsWith('text/html')) return;
  const html = withoutExternalLinks(await c.res.text());
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(html, { status: c.res.status, headers });
};

/**
 * A write from a page of this origin. Bull Board's own fetches (retry, pause, clean) cannot carry
 * our CSRF token, so writes by session are checked with the browser's Fetch Metadata instead
 * (falling back to Origin for browsers without it); a request with neither is refused. Scripts and
 * tools use an admin API key, which needs no such check.
 */
export function isSameOriginWrite(c: Context, publicUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (!origin) return false;
  return origin === new URL(c.req.url).origin || origin === new URL(publicUrl).origin;
}

function boardGuard(deps: Deps): MiddlewareHandler<AppEnv> {
  const page = requireUser(deps, 'admin') as unknown as MiddlewareHandler<AppEnv>;
  const apiKey = requireApiKey(deps, 'admin');
  return async (c, next) => {
    if (c.req.header('authorization') || c.req.header('x-api-key')) return apiKey(c, next);
    // Reads: the inbox's session rules (no session → sign-in page; too low a role → 403 page).
    if (SAFE_METHODS.has(c.req.method)) return page(c, next);
    const user = await sessionPrincipal(deps, c);
    if (!user) throw new AppError('unauthorized', 'Your session has ended: sign in again');
    if (!roleAllows(user.role, 'admin')) {
      throw new AppError('forbidden', 'The queue board needs the admin role');
    }
    if (!isSameOriginWrite(c, deps.config.PUBLIC_URL)) {
      throw new AppError('forbidden', 'Cross-site request refused');
    }
    c.set('principal', user);
    await next();
  };
}

/**
 * Bull Board at /admin/queues (admin role, by session or admin API key): every BullMQ queue in
 * deps.queues, with retry / clean / pause. Its UI is served from @bull-board/ui in node_modules.
 */
export function queueBoardRoutes(deps: Deps) {
  const adapter = new HonoAdapter(serveStatic);
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: Object.values(deps.queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: {
      uiConfig: {
        boardTitle: 'Deskpilot queues',
        miscLinks: [{ text: 'Back to Deskpilot', url: '/app' }],
        // Its docs link points at the public bull-board site; admins here need ours.
        hideDocsLink: true,
      },
    },
  });

  const app = new Hono<AppEnv>();
  const guard = boardGuard(deps);
  const headers: MiddlewareHandler<AppEnv> = async (c, next) => {
    await next();
    // Job data can hold ticket ids and errors: never cached by shared caches, never framed.
    if (!c.req.path.startsWith(`${QUEUE_BOARD_PATH}/static/`)) {
      c.header('Cache-Control', 'no-store');
    }
    c.header('Content-Security-Policy', BOARD_CSP);
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Content-Type-Options', 'nosniff');
  };
  for (const path of [QUEUE_BOARD_PATH, `${QUEUE_BOARD_PATH}/*`]) {
    app.use(path, headers);
    app.use(path, guard);
    app.use(path, ownResourcesOnly);
  }
  app.route(QUEUE_BOARD_PATH, adapter.registerPlugin());
  return app;
}
