import type { FC } from 'hono/jsx';
import { ErrorAlert, Layout } from '../layout.js';

export const LoginPage: FC<{ next: string; csrf: string; error?: string; email?: string }> = ({
  next,
  csrf,
  error,
  email,
}) => (
  <Layout title="Sign in">
    <section class="login">
      <h1>Sign in</h1>
      <ErrorAlert error={error} />
      <form method="post" action="/app/login">
        <input type="hidden" name="next" value={next} />
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="username"
          required
          autofocus
          value={email ?? ''}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
      <p class="muted">
        No account? An admin creates one with{' '}
        <code>npm run -s cli -- users create --email you@example.com --role agent</code>.
      </p>
    </section>
  </Layout>
);
