import type { Role } from '../db/schema/api-keys.js';
import type { Principal } from './api-keys.js';
import type { SessionPrincipal } from './users.js';

/**
 * Who performs an action: a signed-in user, an API key, or the system itself (auto-send), with the
 * role and team that scope what it may touch. Actions check the scope themselves (see
 * `team-scope.ts`), so a route only authenticates and cannot forget it.
 */
export interface Actor {
  kind: Principal['kind'] | 'system';
  /** What the action records as its author (`decidedBy`, ticket events). */
  id: string;
  role: Role;
  teamId: string | null;
}

/**
 * An API caller: a key is recorded by its id; a signed-in user calling /api with their session is
 * recorded by email, as on the pages, so one person is one author whichever door they used (undo
 * and collision checks compare authors).
 */
export function actorOf(principal: Principal): Actor {
  if (isSessionPrincipal(principal)) return userActor(principal);
  return { kind: principal.kind, id: principal.id, role: principal.role, teamId: principal.teamId };
}

function isSessionPrincipal(principal: Principal): principal is SessionPrincipal {
  return (
    principal.kind === 'user' && typeof (principal as Partial<SessionPrincipal>).email === 'string'
  );
}

/** A user of the inbox pages: recorded by email, as agents know each other. */
export function userActor(user: SessionPrincipal): Actor {
  return { kind: 'user', id: user.email, role: user.role, teamId: user.teamId };
}

/** Deskpilot acting on its own policy: unrestricted. */
export function systemActor(id: string): Actor {
  return { kind: 'system', id, role: 'admin', teamId: null };
}
