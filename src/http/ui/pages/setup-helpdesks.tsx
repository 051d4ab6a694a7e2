import type { Child, FC } from 'hono/jsx';

/**
 * How many secrets each sender has configured. Counts only: the checklist says whether a secret
 * is set and how to set one, and never prints a configured value back.
 */
export interface HelpdeskSecrets {
  zendesk: number;
  mailgun: number;
  /** `user:password` pairs for SendGrid, Postmark and raw email (basic auth). */
  basicAuth: number;
}

/** An integration key just created by the checklist's button: shown once, with a curl to try. */
export interface CreatedIntegrationKey {
  id: string;
  name: string;
  key: string;
}

/** The exact request that tries a new integration key against the generic JSON webhook. */
export function tryIntegrationKeyCurl(publicUrl: string, created: CreatedIntegrationKey) {
  const body = JSON.stringify({
    eventId: `try-${created.id}`,
    ticket: { externalId: `TRY-${created.id.slice(0, 8)}`, subject: 'Refund' },
    requester: { email: 'customer@example.com' },
    message: { body: 'I was charged twice' },
  });
  return [
    `curl -sS -X POST '${publicUrl}/webhooks/tickets'`,
    `  -H 'authorization: Bearer ${created.key}'`,
    `  -H 'content-type: application/json'`,
    `  -d '${body}'`,
  ].join(' \\\n');
}

const Status: FC<{ count: number; unit: string }> = ({ count, unit }) =>
  count > 0 ? (
    <span class="badge ok" data-status="set">
      {`configured (${count} ${unit}${count > 1 ? 's' : ''})`}
    </span>
  ) : (
    <span class="badge warn" data-status="unset">
      not set
    </span>
  );

/** `https://user:password@host/path`: the form SendGrid's and Postmark's settings take. */
function withCredentials(publicUrl: string, path: string, user: string, password: string) {
  const url = new URL(path, publicUrl);
  url.username = user;
  url.password = password;
  return url.toString();
}

/** The senders that authenticate with INBOUND_BASIC_AUTH, and where their URL is set. */
const basicAuthSenders = [
  { sender: 'sendgrid', label: 'SendGrid', where: 'Settings → Inbound Parse, destination URL' },
  {
    sender: 'postmark',
    label: 'Postmark',
    where: 'Server → Default Inbound Stream → Settings, webhook URL',
  },
  { sender: 'raw', label: 'Raw email (RFC 822)', where: 'Your mail relay, POSTing the message to' },
] as const;

/** One sender's row: its webhook URL, its secret's status and how to set it. */
const SenderRow: FC<{
  sender: string;
  label: string;
  url: string;
  status: Child;
  how: Child;
}> = ({ sender, label, url, status, how }) => (
  <tr data-sender={sender}>
    <th scope="row">{label}</th>
    <td data-label="Webhook URL">
      <code>{url}</code>
    </td>
    <td data-label="Secret">{status}</td>
    <td data-label="How to set it">{how}</td>
  </tr>
);

/**
 * Step 1 of the checklist: per sender the webhook URL, whether its secret is set, and how to set
 * it; for the generic JSON webhook a button that creates an integration key (admin, CSRF).
 */
export const HelpdeskSection: FC<{
  publicUrl: string;
  csrfToken: string;
  secrets: HelpdeskSecrets;
  /**
   * The `user:password` suggested for INBOUND_BASIC_AUTH while none is set (the deployment's own,
   * the same on every load); null once it is set.
   */
  suggestedBasicAuth: string | null;
  createdKey?: CreatedIntegrationKey;
}> = ({ publicUrl, csrfToken, secrets, suggestedBasicAuth, createdKey }) => {
  // Set: placeholders for the pair already configured. Not set: the suggested pair to paste.
  const suggestion = secrets.basicAuth > 0 ? null : suggestedBasicAuth;
  const [user, password] = (suggestion ? suggestion.split(':') : ['USER', 'PASSWORD']) as [
    string,
    string,
  ];
  const basicAuthUrl = (path: string) => (
    <code>{withCredentials(publicUrl, path, user, password)}</code>
  );
  const basicAuthHow = (where: string, path: string) => (
    <>
      {where}: {basicAuthUrl(path)}
      {suggestion ? (
        <>
          , and add <code>{`INBOUND_BASIC_AUTH=${suggestion}`}</code> (made for this deployment: the
          same until you set it) to <code>.env</code>, then restart Deskpilot.
        </>
      ) : (
        <>
          {' '}
          with a <code>USER:PASSWORD</code> pair from <code>INBOUND_BASIC_AUTH</code>, which is set
          (this page does not show its passwords).
        </>
      )}
    </>
  );
  return (
    <>
      <h2>1. Connect a helpdesk</h2>
      <p>
        Point your helpdesk's webhook at Deskpilot; each sender proves itself with a secret. Secrets
        live in <code>.env</code> (or the environment) and are read at start: restart Deskpilot
        after changing one. This page never shows a secret already set.
      </p>
      <table class="data stack-on-phone" data-testid="helpdesks">
        <thead>
          <tr>
            <th>From</th>
            <th>Webhook URL</th>
            <th>Secret</th>
            <th>How to set it</th>
          </tr>
        </thead>
        <tbody>
          <SenderRow
            sender="zendesk"
            label="Zendesk"
            url={`${publicUrl}/webhooks/zendesk`}
            status={<Status count={secrets.zendesk} unit="secret" />}
            how={
              <>
                Admin Center → Apps and integrations → Webhooks: create a webhook to this URL (JSON,
                POST), reveal its signing secret and add{' '}
                <code>ZENDESK_WEBHOOK_SECRETS=the-signing-secret</code> to <code>.env</code> (two,
                comma-separated, while rotating).
              </>
            }
          />
          <SenderRow
            sender="mailgun"
            label="Mailgun"
            url={`${publicUrl}/webhooks/email/mailgun`}
            status={<Status count={secrets.mailgun} unit="key" />}
            how={
              <>
                Receiving → Routes: forward to this URL; then Sending → Webhooks → HTTP webhook
                signing key, and add <code>MAILGUN_SIGNING_KEYS=the-signing-key</code> to{' '}
                <code>.env</code>.
              </>
            }
          />
          {basicAuthSenders.map(({ sender, label, where }) => (
            <SenderRow
              sender={sender}
              label={label}
              url={`${publicUrl}/webhooks/email/${sender}`}
              status={<Status count={secrets.basicAuth} unit="user" />}
              how={basicAuthHow(where, `/webhooks/email/${sender}`)}
            />
          ))}
          <tr data-sender="generic">
            <th scope="row">Anything that posts JSON</th>
            <td data-label="Webhook URL">
              <code>{`${publicUrl}/webhooks/tickets`}</code>
            </td>
            <td data-label="Secret">an integration key</td>
            <td data-label="How to set it">
              <form method="post" action="/app/welcome/integration-key">
                <input type="hidden" name="_csrf" value={csrfToken} />
                <label for="key-name">Name (which helpdesk uses it)</label>
                <input id="key-name" name="name" placeholder="my helpdesk" maxlength={100} />
                <button type="submit">Create integration key</button>
              </form>
            </td>
          </tr>
        </tbody>
      </table>
      {createdKey ? (
        <div class="ok-box" role="status" data-testid="integration-key">
          <p>
            Integration key “{createdKey.name}” created. It is shown this once and stored only as a
            hash: copy it now. Send it as <code>authorization: Bearer …</code>.
          </p>
          <pre>
            <code>{createdKey.key}</code>
          </pre>
          <p>Try it (the ticket appears in the inbox):</p>
          <pre>
            <code>{tryIntegrationKeyCurl(publicUrl, createdKey)}</code>
          </pre>
          <p>
            Revoke it with <code>{`npm run -s cli -- keys revoke ${createdKey.id}`}</code>.
          </p>
        </div>
      ) : null}
    </>
  );
};
