import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import { userRoles } from '../../../db/schema/users.js';
import { Layout, NoticeBox, type PageNotice } from '../layout.js';
import { InviteFields } from './setup.js';

export interface PersonRow {
  id: string;
  email: string;
  name: string;
  role: string;
  teamId: string | null;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
}

/** A password to hand over, shown on this one response only. */
export interface ShownPassword {
  email: string;
  password: string;
  created: boolean;
}

const when = (at: Date | null) =>
  at ? `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'never';

const Csrf: FC<{ token: string }> = ({ token }) => (
  <input type="hidden" name="_csrf" value={token} />
);

const PersonActions: FC<{ person: PersonRow; csrf: string; self: boolean }> = ({
  person,
  csrf,
  self,
}) => {
  const base = `/app/people/${person.id}`;
  return (
    <div class="person-actions">
      <form method="post" action={`${base}/role`} class="inline">
        <Csrf token={csrf} />
        <label>
          <span class="visually-hidden">Role of {person.email}</span>
          <select name="role" disabled={self}>
            {userRoles.map((r) => (
              <option value={r} selected={person.role === r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={self}>
          Change role
        </button>
      </form>
      {self ? null : person.disabledAt ? (
        <form method="post" action={`${base}/enable`}>
          <Csrf token={csrf} />
          <button type="submit">Re-enable</button>
        </form>
      ) : (
        <form method="post" action={`${base}/disable`}>
          <Csrf token={csrf} />
          <button type="submit">Disable</button>
        </form>
      )}
      {self ? (
        <a href="/app/account">Change your password</a>
      ) : (
        <details class="reset">
          <summary>Reset password…</summary>
          <form method="post" action={`${base}/reset-password`}>
            <Csrf token={csrf} />
            <p class="muted">
              A new password is generated and shown to you once; their sessions end.
            </p>
            <button type="submit">Reset the password</button>
          </form>
        </details>
      )}
    </div>
  );
};

/** /app/people: everyone who can sign in, invitations and per-person actions (admins). */
export const PeoplePage: FC<{
  user: SessionPrincipal;
  people: PersonRow[];
  teams: string[];
  notice?: PageNotice | null;
  shown?: ShownPassword;
}> = ({ user, people, teams, notice, shown }) => (
  <Layout title="People" user={user} active="people">
    <div class="admin-page people-page">
      <h1>People</h1>
      <p class="muted">
        Who can sign in, and with which role. Disabling or resetting a password ends that person's
        sessions. You cannot disable or demote yourself, nor the last active admin.
      </p>
      <NoticeBox notice={notice} />
      {shown ? (
        <div class="ok-box shown-password" role="status" data-testid="shown-password">
          <p>
            {shown.created ? 'Created' : 'New password for'} {shown.email}. Hand over this password;
            it is shown once:
          </p>
          <p>
            <code>{shown.password}</code>
          </p>
        </div>
      ) : null}
      <table class="data stack-on-phone people">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Team</th>
            <th scope="col">Status</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Role and actions</th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr data-person={p.email} class={p.disabledAt ? 'disabled' : undefined}>
              <th scope="row">
                {p.name}
                {p.id === user.id ? <span class="muted"> (you)</span> : null}
              </th>
              <td data-label="Email">{p.email}</td>
              <td data-label="Team">{p.teamId ?? '—'}</td>
              <td data-label="Status">
                {p.disabledAt ? <span class="badge danger">disabled</span> : 'active'}
              </td>
              <td data-label="Last sign-in">{when(p.lastLoginAt)}</td>
              <td data-label="Role">
                <PersonActions person={p} csrf={user.csrfToken} self={p.id === user.id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Invite a teammate</h2>
      <form method="post" action="/app/people/invite" class="stack invite">
        <Csrf token={user.csrfToken} />
        <InviteFields teams={teams} />
        <button type="submit" class="primary">
          Create account
        </button>
      </form>
    </div>
  </Layout>
);

/** /app/account: the signed-in user's own password. */
export const AccountPage: FC<{
  user: SessionPrincipal;
  notice?: PageNotice | null;
}> = ({ user, notice }) => (
  <Layout title="Your account" user={user}>
    <div class="admin-page">
      <h1>Your account</h1>
      <p>
        {user.name} · {user.email} · {user.role}
      </p>
      <NoticeBox notice={notice} />
      <h2>Change your password</h2>
      <form method="post" action="/app/account/password" class="stack">
        <Csrf token={user.csrfToken} />
        <label>
          Current password
          <input name="current" type="password" autocomplete="current-password" required />
        </label>
        <label>
          New password (at least 12 characters)
          <input name="next" type="password" minlength={12} autocomplete="new-password" required />
        </label>
        <label>
          New password again
          <input name="again" type="password" minlength={12} autocomplete="new-password" required />
        </label>
        <p class="muted">Your other sessions (other browsers, devices) end; this one stays.</p>
        <button type="submit" class="primary">
          Change password
        </button>
      </form>
    </div>
  </Layout>
);
