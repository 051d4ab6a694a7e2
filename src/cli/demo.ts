/**
 * `npm run demo`: the first minute for a newcomer. Starts api + workers on the embedded defaults,
 * imports the sample knowledge base, replays the sample tickets through the real email webhook,
 * waits for triage and drafts, and prints what happened and how to review the drafts.
 */
import 'dotenv/config';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '../auth/api-keys.js';
import { hashPassword } from '../auth/passwords.js';
import { randomToken } from '../auth/secrets.js';
import { createUser } from '../auth/users.js';
import { configOrExit, explainStartupError } from '../boot.js';
import { latestDraftForTicket } from '../db/queries/drafts.js';
import { getTicket } from '../db/queries/tickets.js';
import { getTriage } from '../db/queries/triage.js';
import { findUserByEmail, updateUserPassword } from '../db/queries/users.js';
import { assertRedisReachable } from '../jobs/redis.js';
import { installSignalHandlers, startRuntime } from '../runtime.js';
import { kbImport } from './commands/kb-import.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const demoAuth = 'demo:demo-inbound-password';
const config = configOrExit();
// The raw-email webhook needs credentials; the demo brings its own if none are configured.
if (config.INBOUND_BASIC_AUTH.length === 0) config.INBOUND_BASIC_AUTH = [demoAuth];
const auth = `Basic ${Buffer.from(config.INBOUND_BASIC_AUTH[0]!).toString('base64')}`;

try {
  await assertRedisReachable(config.REDIS_URL);
  const runtime = await startRuntime(config, { api: true, worker: true });
  installSignalHandlers(runtime, config.SHUTDOWN_TIMEOUT_MS);
  const base = `http://127.0.0.1:${runtime.port}`;
  const { db } = runtime.deps;

  const kb = await kbImport(db, path.join(root, 'samples/kb'), {
    embedder: runtime.deps.embedders[0],
  });
  console.log(
    `Knowledge base: ${kb.created} new, ${kb.unchanged} unchanged articles (${kb.embeddingModel})`,
  );

  const dir = path.join(root, 'samples/tickets');
  const tickets: { file: string; ticketId: string; status: number }[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort()) {
    const res = await fetch(`${base}/webhooks/email/raw`, {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822', authorization: auth },
      body: await readFile(path.join(dir, file)),
    });
    const body = (await res.json()) as { ticketId: string };
    tickets.push({ file, ticketId: body.ticketId, status: res.status });
  }

  // Wait for the pipeline: triage for every ticket, a draft for those that should get one.
  const deadline = Date.now() + 120_000;
  for (const t of tickets) {
    for (;;) {
      const ticket = await getTicket(db, t.ticketId);
      const triage = await getTriage(db, t.ticketId);
      const draft = await latestDraftForTicket(db, t.ticketId);
      if (ticket?.automated || (triage && (!triage.shouldDraft || draft)) || Date.now() > deadline)
        break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  console.log('\nTickets:');
  for (const t of tickets) {
    const ticket = await getTicket(db, t.ticketId);
    const triage = await getTriage(db, t.ticketId);
    const draft = await latestDraftForTicket(db, t.ticketId);
    const what = ticket?.automated
      ? `automated (${ticket.automatedReason}) — never answered`
      : `${triage?.category ?? '?'} · ${triage?.priority ?? '?'} · team ${triage?.team ?? '-'} · draft: ${draft ? `${draft.kind}, ${draft.citations.length} citation(s), ${draft.status}` : 'none yet'}`;
    console.log(
      `  ${t.file.padEnd(22)} ${(ticket?.subject ?? '').slice(0, 34).padEnd(34)} ${what}`,
    );
  }

  // A sign-in for the inbox: an admin, so the dashboard and queue board are visible too. A fresh
  // password each run (printed once); re-running the demo resets it.
  const demoEmail = 'demo@deskpilot.local';
  const password = randomToken(12);
  const existing = await findUserByEmail(db, demoEmail);
  if (existing) await updateUserPassword(db, existing.id, await hashPassword(password));
  else await createUser(db, { email: demoEmail, name: 'Demo Admin', role: 'admin', password });

  const { key } = await createApiKey(db, { name: 'demo agent', role: 'agent' });
  const inbox = `${base}/app`;
  console.log(`
Deskpilot is running at ${base} (Ctrl-C to stop).

  Agent inbox:  ${inbox}
  Sign in as:   ${demoEmail}
  Password:     ${password}
  Dashboard:    ${inbox}/dashboard     Queues: ${base}/admin/queues

Agent API key (shown once): ${key}

  curl -s ${base}/api/drafts -H 'authorization: Bearer ${key}'
  curl -s -X POST ${base}/api/drafts/<draft id>/approve -H 'authorization: Bearer ${key}'
  curl -s ${base}/openapi.json

Approved replies go out through SMTP_URL when it is set (otherwise they are held: the inbox lists them under "Held or failed replies").`);
} catch (err) {
  console.error(explainStartupError(err, config));
  process.exit(1);
}
