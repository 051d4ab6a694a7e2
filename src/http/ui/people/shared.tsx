import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { knownTeams } from '../../../db/queries/teams.js';
import { listUsers } from '../../../db/queries/users.js';
import type { Deps } from '../../../deps.js';
import { SetupError } from '../../../pipeline/first-run.js';
import { type PeopleActor, PeopleError } from '../../../pipeline/people.js';
import type { PageNotice } from '../layout.js';
import { PeoplePage, type ShownPassword } from '../pages/people.js';
import type { UiEnv } from '../session.js';

/** The router every People page and form registers itself on. */
export type PeopleApp = Hono<UiEnv>;

/** Outcome messages of the People page, by code (redirects carry codes, never request text). */
export const peopleNotices = {
  disabled: { kind: 'ok', text: 'Disabled; their sessions have ended.' },
  enabled: { kind: 'ok', text: 'Re-enabled: they can sign in again with their password.' },
  role: { kind: 'ok', text: 'Role changed; it applies from their next page.' },
  unchanged: { kind: 'ok', text: 'Nothing to change.' },
} as const satisfies Record<string, PageNotice>;

const personId = z.uuid();

/** The id in a person's form address, or null for a mangled or stale link (the page's 404). */
export function personIdOf(raw: string): string | null {
  const id = personId.safeParse(raw);
  return id.success ? id.data : null;
}

export const unknownPerson = {
  kind: 'error',
  text: 'No such user (they may have been removed).',
} as const satisfies PageNotice;

/** The signed-in admin, as the people functions record them. */
export function actorFrom(c: Context<UiEnv>): PeopleActor {
  const user = c.get('user');
  return { kind: 'user', userId: user.id, email: user.email };
}

const errorStatus = { not_found: 404, self: 409, last_admin: 409, wrong_password: 400 } as const;

/** The page with the outcome of the form just posted: a password shown once, or an error. */
export async function renderPeople(
  deps: Pick<Deps, 'db'>,
  c: Context<UiEnv>,
  outcome: { notice?: PageNotice | null; shown?: ShownPassword; status?: 200 | 400 | 404 | 409 },
) {
  return c.html(
    <PeoplePage
      user={c.get('user')}
      people={await listUsers(deps.db)}
      teams={await knownTeams(deps.db)}
      notice={outcome.notice}
      shown={outcome.shown}
    />,
    outcome.status ?? 200,
  );
}

/** Refusals the admin can act on (guard rails, unknown user or team) as the page's error notice. */
export async function renderRefusal(deps: Pick<Deps, 'db'>, c: Context<UiEnv>, err: unknown) {
  if (err instanceof PeopleError) {
    return renderPeople(deps, c, {
      notice: { kind: 'error', text: err.message },
      status: errorStatus[err.code],
    });
  }
  if (err instanceof SetupError) {
    return renderPeople(deps, c, { notice: { kind: 'error', text: err.message }, status: 400 });
  }
  throw err;
}
