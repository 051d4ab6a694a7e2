import type { Context } from 'hono';
import type { AppError } from '../errors.js';
import { Layout } from './layout.js';

const titles: Partial<Record<number, string>> = {
  401: 'Signed out',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too large',
  429: 'Too many requests',
  503: 'Unavailable for a moment',
};

/**
 * A person's browser asking for a page under /app (a navigation or a plain form post: it accepts
 * HTML and is not htmx, whose requests keep the JSON envelope). Such a request gets an error page
 * with a way back, not the API's JSON envelope.
 */
export function isPageRequest(c: Context): boolean {
  const path = c.req.path;
  if (path !== '/app' && !path.startsWith('/app/')) return false;
  if (path.startsWith('/app/assets/') || c.req.header('hx-request')) return false;
  return (c.req.header('accept') ?? '').includes('text/html');
}

/** The error page for `isPageRequest` requests: the same message and request id as the envelope. */
export function errorPage(c: Context, err: AppError, requestId: string) {
  const title = titles[err.status] ?? (err.status >= 500 ? 'Something went wrong' : 'Not possible');
  return c.html(
    <Layout title={title}>
      <section class="login" data-testid="error-page">
        <h1>{title}</h1>
        <p class="error" role="alert">
          {err.message}
        </p>
        <p>
          {err.status === 401 ? (
            <a href="/app/login">Sign in</a>
          ) : (
            <a href="/app">Go to the inbox</a>
          )}
          {err.status === 404 ? null : ' · '}
          {err.status === 404 ? null : (
            <a href={c.req.header('referer') ?? '/app'}>Back to the previous page</a>
          )}
        </p>
        <p class="muted">
          Request id <code>{requestId}</code>
        </p>
      </section>
    </Layout>,
    err.status,
  );
}
