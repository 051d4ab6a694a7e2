import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import { userRoles } from '../../../db/schema/users.js';
import { SAMPLE_TEST_QUESTION, type TestQuestion } from '../../../pipeline/first-run.js';
import { ErrorAlert, Layout } from '../layout.js';
import { kindLabel } from './inbox.js';
import {
  type CreatedIntegrationKey,
  type HelpdeskSecrets,
  HelpdeskSection,
} from './setup-helpdesks.js';

export const SetupPage: FC<{ token: string; email?: string; error?: string }> = ({
  token,
  email,
  error,
}) => (
  <Layout title="Set up Deskpilot">
    <section class="login">
      <h1>Set up Deskpilot</h1>
      <p>
        Create the first admin. This page works once, with the token <code>npm start</code> printed.
      </p>
      <ErrorAlert error={error} />
      <form method="post" action="/app/setup">
        <label for="token">Setup token</label>
        <input id="token" name="token" required value={token} autocomplete="off" />
        <label for="email">Your email</label>
        <input id="email" name="email" type="email" required value={email ?? ''} autofocus />
        <label for="name">Your name</label>
        <input id="name" name="name" />
        <label for="password">Password (at least 12 characters)</label>
        <input
          id="password"
          name="password"
          type="password"
          minlength={12}
          autocomplete="new-password"
          required
        />
        <button type="submit" class="primary">
          Create admin
        </button>
      </form>
    </section>
  </Layout>
);

/** An invitation's fields, on the welcome checklist and the People page. */
export const InviteFields: FC<{ teams: string[] }> = ({ teams }) => (
  <>
    <label for="invite-email">Email</label>
    <input id="invite-email" name="email" type="email" required autocomplete="off" />
    <label for="invite-name">Name</label>
    <input id="invite-name" name="name" autocomplete="off" />
    <label for="invite-role">Role</label>
    <select id="invite-role" name="role">
      {userRoles.map((r) => (
        <option value={r}>{r}</option>
      ))}
    </select>
    <label for="invite-team">Team (optional)</label>
    <input id="invite-team" name="team" list="known-teams" autocomplete="off" />
    <datalist id="known-teams">
      {teams.map((t) => (
        <option value={t} />
      ))}
    </datalist>
    <label class="check">
      <input type="checkbox" name="newTeam" value="yes" /> new team (not one of{' '}
      {teams.length ? teams.join(', ') : 'none yet'})
    </label>
  </>
);

export interface WelcomeNotice {
  kind: 'ok' | 'error';
  text: string;
}

/**
 * Step 4: a customer question sent as a test ticket, editable. Suggested from one of the team's
 * own articles, which the draft answers; with no article yet, the page says to import first.
 */
const TestTicketForm: FC<{
  csrfToken: string;
  suggestion: (TestQuestion & { article: string }) | null;
}> = ({ csrfToken, suggestion }) => {
  const question = suggestion ?? SAMPLE_TEST_QUESTION;
  return (
    <>
      <h2>4. Send a test ticket</h2>
      {suggestion ? (
        <p data-testid="test-question-source">
          A customer question goes through intake, triage and drafting, as a real one would. This
          one asks about your article “{suggestion.article}”, so the draft can quote it; type your
          own question instead if you like.
        </p>
      ) : (
        <p class="warn-box" data-testid="test-question-source">
          Your knowledge base has no articles yet: import them first (step 2). Drafts quote it, so
          until then a test ticket is triaged but gets only a holding reply.
        </p>
      )}
      <form method="post" action="/app/welcome/test-ticket">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <label for="test-subject">Subject</label>
        <input id="test-subject" name="subject" value={question.subject} maxlength={200} />
        <label for="test-body">The customer's message</label>
        <textarea id="test-body" name="body" rows={3} maxlength={5000}>
          {question.body}
        </textarea>
        <button type="submit" class="primary">
          Send a test ticket
        </button>
      </form>
    </>
  );
};

export const WelcomePage: FC<{
  user: SessionPrincipal;
  publicUrl: string;
  secrets: HelpdeskSecrets;
  suggestedBasicAuth: string | null;
  /** The test question phrased from one of the team's articles; null while there is none. */
  testQuestion: (TestQuestion & { article: string }) | null;
  /** Team names in use, offered for the invite's team field. */
  teams: string[];
  notice?: WelcomeNotice;
  createdKey?: CreatedIntegrationKey;
}> = ({
  user,
  publicUrl,
  secrets,
  suggestedBasicAuth,
  testQuestion,
  teams,
  notice,
  createdKey,
}) => {
  return (
    <Layout title="Get started" user={user}>
      <section class="welcome">
        <h1>Get started</h1>
        {notice ? (
          <p class={notice.kind === 'ok' ? 'ok-box' : 'error-box'} role="status">
            {notice.text}
          </p>
        ) : null}

        <HelpdeskSection
          publicUrl={publicUrl}
          csrfToken={user.csrfToken}
          secrets={secrets}
          suggestedBasicAuth={suggestedBasicAuth}
          createdKey={createdKey}
        />

        <h2>2. Import your knowledge base</h2>
        <p>
          Markdown, HTML or text files, a CSV (columns <code>title</code>, <code>body</code>),
          JSONL, or a Zendesk Help Center export (<code>.json</code>). Drafts quote it.
        </p>
        <form method="post" action="/app/welcome/kb" enctype="multipart/form-data">
          <input type="hidden" name="_csrf" value={user.csrfToken} />
          <label for="files">Files</label>
          <input
            id="files"
            name="files"
            type="file"
            multiple
            accept=".md,.markdown,.html,.htm,.txt,.csv,.jsonl,.ndjson,.json"
          />
          <button type="submit">Import</button>
        </form>

        <h2>3. Invite teammates</h2>
        <form method="post" action="/app/welcome/invite">
          <input type="hidden" name="_csrf" value={user.csrfToken} />
          <InviteFields teams={teams} />
          <button type="submit">Create account</button>
        </form>

        <TestTicketForm csrfToken={user.csrfToken} suggestion={testQuestion} />
        <p>
          <a href="/app">Go to the inbox</a>
        </p>
      </section>
    </Layout>
  );
};

export const TestTicketPage: FC<{
  user: SessionPrincipal;
  ticket: { id: string; subject: string };
  triage: { category: string; priority: string; team: string | null; shouldDraft: boolean } | null;
  draft: { id: string; kind: string; status: string; text: string; reason: string | null } | null;
  /** Articles in the knowledge base: an abstention with none says to import them. */
  kbArticles: number;
}> = ({ user, ticket, triage, draft, kbArticles }) => {
  const done = triage !== null && (draft !== null || !triage.shouldDraft);
  // An abstained draft has nothing to approve: say why, and where the ticket waits.
  const abstained = draft?.kind === 'no_answer';
  return (
    <Layout title="Test ticket" user={user}>
      {/* No script: the page reloads itself until the draft is there. */}
      {done ? null : <meta http-equiv="refresh" content="2" />}
      <section class="welcome" data-testid="test-ticket">
        <h1>{ticket.subject}</h1>
        <ol>
          <li data-step="received">Received through intake ✓</li>
          <li data-step="triaged">
            {triage
              ? `Triaged ✓ — ${triage.category}, ${triage.priority} priority, team ${triage.team ?? '—'}`
              : 'Triage… (waiting for the worker)'}
          </li>
          <li data-step="drafted">
            {draft && abstained
              ? `Drafted ✓ — no answer found: ${draft.reason ?? 'nothing relevant was found in the knowledge base.'}`
              : draft
                ? `Drafted ✓ — ${kindLabel[draft.kind as keyof typeof kindLabel] ?? draft.kind}, ${draft.status.replaceAll('_', ' ')}`
                : triage && !triage.shouldDraft
                  ? 'No draft: the routing rules say a person answers this one'
                  : 'Drafting…'}
          </li>
        </ol>
        {draft && abstained ? (
          <p data-testid="test-ticket-abstained">
            The ticket waits in <a href="/app/tickets?view=needs_human">Needs a human reply</a>.{' '}
            {kbArticles > 0 ? (
              <>
                No article of your knowledge base answers this question with enough confidence. Send
                another test ticket from the <a href="/app/welcome">checklist</a> (its suggested
                question asks about one of your articles) to see one answered.
              </>
            ) : (
              <>
                Drafts quote your knowledge base: import it (step 2 of the{' '}
                <a href="/app/welcome">checklist</a>) and send another test ticket to see one
                answered.
              </>
            )}
          </p>
        ) : null}
        {draft ? (
          <>
            <h2>
              {abstained ? 'The holding reply (it does not answer the question)' : 'The draft'}
            </h2>
            <pre class="msg">{draft.text}</pre>
            <p>
              <a href={`/app/tickets/${ticket.id}`}>Open the ticket</a> · review it in the{' '}
              <a href="/app">inbox</a>
            </p>
          </>
        ) : null}
        <p>
          <a href="/app/welcome">Back to the checklist</a>
        </p>
      </section>
    </Layout>
  );
};
