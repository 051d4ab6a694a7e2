import type { Child, FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../auth/users.js';

export const Layout: FC<{
  title: string;
  user?: SessionPrincipal | null;
  active?: 'inbox' | 'tickets' | 'kb' | 'dashboard' | 'taxonomy' | 'people';
  scripts?: string[];
  children?: Child;
}> = ({ title, user, active, scripts = [], children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Deskpilot`}</title>
      {user ? <meta name="csrf-token" content={user.csrfToken} /> : null}
      {/* htmx would inject an inline <style>, which the Content-Security-Policy forbids. */}
      <meta name="htmx-config" content='{"includeIndicatorStyles":false}' />
      <link rel="icon" href="/app/assets/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/app/assets/app.css" />
      <script src="/app/assets/htmx.min.js" defer />
      <script src="/app/assets/app.js" defer />
      {scripts.map((s) => (
        <script src={`/app/assets/${s}`} defer />
      ))}
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Deskpilot</span>
        {user ? (
          <nav aria-label="Main">
            <a href="/app" aria-current={active === 'inbox' ? 'page' : undefined}>
              Inbox
            </a>
            <a href="/app/tickets" aria-current={active === 'tickets' ? 'page' : undefined}>
              Tickets
            </a>
            <a href="/app/kb" aria-current={active === 'kb' ? 'page' : undefined}>
              Knowledge base
            </a>
            {user.role === 'manager' || user.role === 'admin' ? (
              <a href="/app/dashboard" aria-current={active === 'dashboard' ? 'page' : undefined}>
                Dashboard
              </a>
            ) : null}
            {user.role === 'manager' || user.role === 'admin' ? (
              <a
                href="/app/admin/taxonomy"
                aria-current={active === 'taxonomy' ? 'page' : undefined}
              >
                Taxonomy
              </a>
            ) : null}
            {user.role === 'admin' ? (
              <a href="/app/people" aria-current={active === 'people' ? 'page' : undefined}>
                People
              </a>
            ) : null}
            {user.role === 'admin' ? <a href="/admin/queues">Queues</a> : null}
          </nav>
        ) : null}
        {user ? (
          <form method="post" action="/app/logout" class="whoami">
            <a href="/app/account" title="Your account and password">
              {user.name} <span class="muted">({user.role})</span>
            </a>
            <input type="hidden" name="_csrf" value={user.csrfToken} />
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        ) : null}
      </header>
      <main id="main">{children}</main>
      <div id="toast" role="status" aria-live="polite" class="toast" hidden />
    </body>
  </html>
);

/** The outcome of a form post, shown once at the top of the page it redirected to. */
export interface PageNotice {
  kind: 'ok' | 'error';
  text: string;
}

/**
 * The notice a redirect's `?notice=` code names in `table` (redirects carry a code, never text
 * from the request); null without a code or for one the table does not hold.
 */
export function noticeFor<T extends Record<string, PageNotice>>(
  table: T,
  code: string | undefined,
): T[keyof T] | null {
  return code !== undefined && Object.hasOwn(table, code) ? table[code as keyof T] : null;
}

/** A page's notice, if any: a status when it went well, an alert when it did not. */
export const NoticeBox: FC<{ notice: PageNotice | null | undefined }> = ({ notice }) =>
  notice ? (
    <p
      class={notice.kind === 'ok' ? 'ok-box' : 'error-box'}
      role={notice.kind === 'ok' ? 'status' : 'alert'}
      data-testid="notice"
    >
      {notice.text}
    </p>
  ) : null;

/** What went wrong with a form or a page's parameters, read out as an alert; nothing when fine. */
export const ErrorAlert: FC<{ error: string | null | undefined }> = ({ error }) =>
  error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;

/** A small status page (403, 404) in the inbox's look. */
export const Message: FC<{ title: string; user?: SessionPrincipal | null; children?: Child }> = ({
  title,
  user,
  children,
}) => (
  <Layout title={title} user={user}>
    <section class="message">
      <h1>{title}</h1>
      {children}
    </section>
  </Layout>
);
