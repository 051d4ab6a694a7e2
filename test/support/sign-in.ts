import { resolveSession } from '../../src/auth/users.js';
import type { Db } from '../../src/db/client.js';

interface RequestingApp {
  request(url: string, init?: RequestInit): Response | Promise<Response>;
}

/**
 * Posts the sign-in form the way a browser does: first GET the form (which sets the login CSRF
 * cookie and renders the matching hidden field), then POST it back with both.
 */
export async function postLogin(
  app: RequestingApp,
  fields: { email: string; password: string; next?: string },
  headers: Record<string, string> = {},
): Promise<Response> {
  const form = await app.request('/app/login', { headers });
  const cookie = /dp_login_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1];
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!cookie || !token) throw new Error('the sign-in form carries no CSRF token');
  return app.request('/app/login', {
    method: 'POST',
    headers: {
      ...headers,
      cookie: `dp_login_csrf=${cookie}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ ...fields, _csrf: token }).toString(),
  });
}

/** Signs in and returns the session cookie header and the session's CSRF token. */
export async function signInOverHttp(
  app: RequestingApp,
  db: Db,
  email: string,
  password: string,
): Promise<{ cookie: string; csrf: string }> {
  const res = await postLogin(app, { email, password });
  const token = /dp_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (res.status !== 303 || !token) throw new Error(`sign-in failed with ${res.status}`);
  const principal = await resolveSession(db, token);
  return { cookie: `dp_session=${token}`, csrf: principal!.csrfToken };
}
