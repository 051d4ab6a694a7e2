import type { Context, Hono } from 'hono';
import { knownTeams } from '../../../db/queries/teams.js';
import type { Deps } from '../../../deps.js';
import {
  hasUsers,
  suggestedInboundBasicAuth,
  suggestTestQuestion,
} from '../../../pipeline/first-run.js';
import { type WelcomeNotice, WelcomePage } from '../pages/setup.js';
import type { CreatedIntegrationKey } from '../pages/setup-helpdesks.js';
import type { UiEnv } from '../session.js';

/** The router the setup and welcome pages register themselves on. */
export type SetupApp = Hono<UiEnv>;

/** Whether the first admin still has to be created; `setUp()` records that one now exists. */
export interface FirstRunGate {
  needsSetup(): Promise<boolean>;
  setUp(): void;
}

export function createFirstRunGate(deps: Pick<Deps, 'db'>): FirstRunGate {
  // Users never go back to none: once one exists the check is skipped for the process's life.
  let setUp = false;
  return {
    async needsSetup() {
      if (setUp) return false;
      setUp = await hasUsers(deps.db);
      return !setUp;
    },
    setUp() {
      setUp = true;
    },
  };
}

/** What every setup and welcome operation registers with: the container and the one gate. */
export interface SetupDeps extends Deps {
  firstRun: FirstRunGate;
}

/**
 * The admin's checklist, with the outcome of the form just posted, if any, and the integration
 * key it created (shown this once).
 */
export async function renderWelcome(
  deps: Pick<Deps, 'db' | 'config' | 'embedders' | 'thesaurus'>,
  c: Context<UiEnv>,
  notice?: WelcomeNotice,
  status: 200 | 400 = 200,
  createdKey?: CreatedIntegrationKey,
) {
  return c.html(
    <WelcomePage
      user={c.get('user')}
      publicUrl={deps.config.PUBLIC_URL}
      teams={await knownTeams(deps.db)}
      secrets={{
        zendesk: deps.config.ZENDESK_WEBHOOK_SECRETS.length,
        mailgun: deps.config.MAILGUN_SIGNING_KEYS.length,
        basicAuth: deps.config.INBOUND_BASIC_AUTH.length,
      }}
      // Offered while none is set (the same pair every time); never one already configured.
      suggestedBasicAuth={
        deps.config.INBOUND_BASIC_AUTH.length ? null : await suggestedInboundBasicAuth(deps.db)
      }
      testQuestion={await suggestTestQuestion(deps)}
      notice={notice}
      createdKey={createdKey}
    />,
    status,
  );
}

/** A refused form's first issue as one line: `field: message`. */
export function firstIssue(error: { issues: readonly { path: PropertyKey[]; message: string }[] }) {
  const issue = error.issues[0]!;
  return `${String(issue.path[0])}: ${issue.message}`;
}
