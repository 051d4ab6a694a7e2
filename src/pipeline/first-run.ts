import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createApiKey } from '../auth/api-keys.js';
import { randomToken, safeEqual } from '../auth/secrets.js';
import { createUser } from '../auth/users.js';
import type { Db } from '../db/client.js';
import { revokeApiKey } from '../db/queries/api-keys.js';
import { insertAuditEntry } from '../db/queries/audit.js';
import { searchableArticleTitles } from '../db/queries/kb.js';
import { knownTeams } from '../db/queries/teams.js';
import { instanceSettings } from '../db/schema/instance-settings.js';
import type { UserRole } from '../db/schema/users.js';
import { withTransaction } from '../db/tx.js';
import type { Deps } from '../deps.js';
import { normalizeGenericEvent } from '../ingest/generic/normalize.js';
import { acceptDelivery } from '../ingest/intake.js';
import { type KbImportReport, kbImport } from '../kb/import-path.js';
import { spellingFor } from '../kb/spelling.js';
import { findCandidates } from './draft/candidates.js';
import { leadLine } from './draft/draft.js';

/**
 * First run, the Jupyter/Grafana way: while no user exists, `/app` leads to a setup page that
 * creates the first admin, guarded by a token printed by `npm start` beside the URL (anyone who
 * reaches the port before the operator must not become admin). The token lives in Redis, shared
 * by every api replica, for a day; the first admin consumes it.
 */

const TOKEN_TTL_SECONDS = 24 * 3600;
const tokenKey = (prefix: string) => `${prefix}:setup-token`;

export async function hasUsers(db: Db): Promise<boolean> {
  const rows = (await db.execute(sql`SELECT EXISTS (SELECT 1 FROM users) AS any`)) as unknown as
    | { any: boolean }[]
    | { rows: { any: boolean }[] };
  return Boolean((Array.isArray(rows) ? rows : rows.rows)[0]?.any);
}

/** The setup token, created on first use; null once a user exists. */
export async function setupToken(deps: Pick<Deps, 'db' | 'redis' | 'config'>) {
  if (await hasUsers(deps.db)) return null;
  const key = tokenKey(deps.config.QUEUE_PREFIX);
  await deps.redis.set(key, randomToken(18), 'EX', TOKEN_TTL_SECONDS, 'NX');
  return deps.redis.get(key);
}

/**
 * The `user:password` pair the checklist suggests for INBOUND_BASIC_AUTH: made once per
 * deployment and kept in the database, so copying it into `.env`, restarting and reloading shows
 * the same pair (a fresh one per page load did not). One statement; concurrent first loads agree.
 * The pair is a credential once configured: never logged.
 */
export async function suggestedInboundBasicAuth(db: Db): Promise<string> {
  const [row] = await db
    .insert(instanceSettings)
    .values({ key: 'suggested_inbound_basic_auth', value: `inbound:${randomToken(18)}` })
    .onConflictDoUpdate({
      target: instanceSettings.key,
      // A no-op update, so that RETURNING gives the row that was there first.
      set: { value: sql`${instanceSettings.value}` },
    })
    .returning({ value: instanceSettings.value });
  return row!.value;
}

export class SetupError extends Error {}

export async function createFirstAdmin(
  deps: Pick<Deps, 'db' | 'redis' | 'config'>,
  input: { token: string; email: string; name: string; password: string },
) {
  const expected = await deps.redis.get(tokenKey(deps.config.QUEUE_PREFIX));
  if (!expected || !safeEqual(expected, input.token)) {
    throw new SetupError(
      'The setup token is missing or wrong: open the link `npm start` printed (or restart it for a new one).',
    );
  }
  if (await hasUsers(deps.db)) throw new SetupError('Setup is done: an admin exists. Sign in.');
  const user = await withTransaction(deps.db, async (tx) => {
    const admin = await createUser(tx, {
      email: input.email,
      name: input.name || input.email.split('@')[0]!,
      role: 'admin',
      teamId: null,
      password: input.password,
    });
    // Nobody was signed in: the audit log names the setup page (and its printed token).
    await insertAuditEntry(tx, {
      action: 'user_invited',
      actorKind: 'system',
      actorId: 'setup',
      data: { userId: admin.id, role: admin.role },
    });
    return admin;
  });
  await deps.redis.del(tokenKey(deps.config.QUEUE_PREFIX));
  return user;
}

/**
 * A teammate with a generated password, shown once to the admin who invites them. Teams are names,
 * not rows (as for `cli users create`): one outside those in use is most often a typo, which would
 * leave the teammate with an empty queue, so it needs `newTeam`.
 */
export async function inviteTeammate(
  db: Db,
  input: { email: string; name?: string; role: UserRole; team?: string | null; newTeam?: boolean },
) {
  if (input.team && !input.newTeam) {
    const known = await knownTeams(db);
    if (!known.includes(input.team)) {
      throw new SetupError(
        `Unknown team: ${input.team} (known: ${known.join(', ') || 'none yet'}). Tick "new team" to start a new one.`,
      );
    }
  }
  const password = randomToken(15);
  const user = await createUser(db, {
    email: input.email,
    name: input.name || input.email.split('@')[0]!,
    role: input.role,
    teamId: input.team || null,
    password,
  });
  return { user, password };
}

/**
 * An integration key for a helpdesk posting to the generic JSON webhook, created from the
 * checklist by the same code as `cli keys create --role integration`; the plain key is returned
 * once and stored only as a hash.
 */
export async function createIntegrationKey(db: Db, input: { name?: string }) {
  const { key, record } = await createApiKey(db, {
    name: input.name || 'helpdesk integration',
    role: 'integration',
  });
  return { id: record.id, name: record.name, key };
}

export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * The files of a form's file field (`parseBody({ all: true })[field]`: one, several or none),
 * empty ones left out, read into memory; knowledge-base files are small and imported at once.
 */
export async function uploadedFilesOf(field: unknown): Promise<UploadedFile[]> {
  const files = (Array.isArray(field) ? field : field ? [field] : []).filter(
    (f): f is File => typeof f === 'object' && f !== null && (f as File).size > 0,
  );
  return Promise.all(
    files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
}

/**
 * Knowledge-base files uploaded in the browser, imported by the same code as `cli kb import`:
 * Markdown / HTML / text files as one folder, `.jsonl`, a Help Center `.json` export, and `.csv`
 * (columns title and body, optional id and url).
 */
export async function importUploadedKb(
  deps: Pick<Deps, 'db' | 'embedders'>,
  files: UploadedFile[],
): Promise<KbImportReport[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'deskpilot-upload-'));
  try {
    const folder = path.join(dir, 'articles');
    // Each file keeps its own name (CSV rows without an id are named after it) in a folder of its
    // own; the collection is named after its position as before, so re-uploads update it.
    const targets: { path: string; source: string }[] = [];
    let folderUsed = false;
    for (const [i, file] of files.entries()) {
      const base = path.basename(file.name).replace(/[^\w.-]+/g, '_') || `file-${i}`;
      if (/\.(md|markdown|html?|txt)$/i.test(base)) {
        await mkdir(folder, { recursive: true });
        await writeFile(path.join(folder, base), file.bytes);
        folderUsed = true;
      } else if (/\.(jsonl|ndjson|json|csv)$/i.test(base)) {
        const own = path.join(dir, String(i));
        await mkdir(own);
        await writeFile(path.join(own, base), file.bytes);
        const legacy = /\.csv$/i.test(base) ? `${i}-${base}.jsonl` : `${i}-${base}`;
        targets.push({ path: path.join(own, base), source: `upload:${legacy}` });
      } else {
        throw new SetupError(
          `${file.name}: not a knowledge-base file (Markdown, HTML, text, CSV, JSONL or a Help Center .json export)`,
        );
      }
    }
    if (folderUsed) targets.unshift({ path: folder, source: 'upload:articles' });
    const reports: KbImportReport[] = [];
    for (const target of targets) {
      reports.push(
        await kbImport(deps.db, target.path, {
          // Uploads add to the knowledge base; they never prune what an earlier upload brought.
          source: target.source,
          prune: false,
          embedder: deps.embedders[0],
        }),
      );
    }
    return reports;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A test ticket's customer question: its subject and message. */
export interface TestQuestion {
  subject: string;
  body: string;
}

/**
 * The question a customer would ask about an article, from its title: the title itself when it
 * is a question already ("How do I reset my password?"), else a question about it ("Cancel
 * order" → "Question: Cancel order", "… a question about cancel order …"). English wording.
 */
export function questionAbout(title: string): TestQuestion {
  const t = title.trim().replace(/\s+/g, ' ');
  if (t.endsWith('?')) return { subject: t, body: `Hello, ${lowerFirst(t)} Thank you.` };
  return {
    subject: `Question: ${t}`,
    body: `Hello, I have a question about ${lowerFirst(t)}. Could you help me?`,
  };
}

/** "Cancel order" → "cancel order"; a word in capitals ("VAT", "API keys") is kept as written. */
function lowerFirst(text: string) {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** Articles tried, in `searchableArticleTitles` order, for a question the KB answers. */
const SUGGESTION_TRIES = 5;

/**
 * The checklist's suggested test question: one the team's own knowledge base answers, so the
 * newcomer's first test ticket shows a grounded draft rather than an abstention. Phrased from an
 * article's title (`questionAbout`), checked with the draft step's own retrieval and calibrated
 * confidence (`findCandidates`, the DRAFT_MIN_CONFIDENCE gate): the first of the few newest
 * articles whose question passes, else the one that came closest. Null when no article is
 * searchable (nothing imported yet).
 */
export async function suggestTestQuestion(
  deps: Pick<Deps, 'db' | 'config' | 'embedders' | 'thesaurus'>,
): Promise<(TestQuestion & { article: string }) | null> {
  const articles = await searchableArticleTitles(deps.db, SUGGESTION_TRIES);
  let best: { question: TestQuestion & { article: string }; confidence: number } | null = null;
  for (const article of articles) {
    const question = { ...questionAbout(article.title), article: article.title };
    const { articles: ranked } = await findCandidates(
      deps.db,
      // Worded as the draft step words a ticket's retrieval query: subject, lead line, message.
      [question.subject, leadLine(question.subject, question.body), question.body].join('\n'),
      {
        embedders: deps.embedders,
        synonyms: deps.thesaurus,
        spelling: spellingFor(deps.config.KB_SPELLING),
      },
      // Questions the team answered before count as they do for drafts (DRAFT_LEARN).
      { answered: deps.config.DRAFT_LEARN },
    );
    const confidence = ranked[0]?.confidence ?? 0;
    if (confidence >= deps.config.DRAFT_MIN_CONFIDENCE) return question;
    if (!best || confidence > best.confidence) best = { question, confidence };
  }
  return best?.question ?? null;
}

/** The test question while the knowledge base is empty: triage still shows, the draft abstains. */
export const SAMPLE_TEST_QUESTION: TestQuestion = {
  subject: 'I was charged twice for my order',
  body: 'Hello, I was charged twice for my last order. Can I get a refund for the duplicate payment?',
};

/**
 * A test ticket through the real intake (the same path as POST /webhooks/tickets), so the
 * checklist can show it being triaged and drafted. Its integration key is created on first use.
 */
export async function sendTestTicket(
  deps: Pick<Deps, 'db'>,
  now: Date,
  question: TestQuestion,
): Promise<string> {
  const { record } = await createApiKey(deps.db, {
    name: 'first-run test ticket',
    role: 'integration',
  });
  const stamp = now.toISOString();
  const result = await acceptDelivery(
    deps.db,
    normalizeGenericEvent(
      {
        eventId: `first-run-${stamp}`,
        ticket: {
          externalId: `TEST-${stamp}`,
          subject: question.subject,
          channel: 'api',
          tags: ['deskpilot-test'],
        },
        requester: { email: 'test.customer@example.com', name: 'Test Customer' },
        message: {
          authorKind: 'customer',
          body: question.body,
          public: true,
        },
      },
      { kind: 'api_key', id: record.id, role: 'integration', teamId: null },
    ),
  );
  // The key exists only to own the ticket, as an integration's key owns its tickets; its secret is
  // never shown, so it is revoked at once rather than left as a live credential nobody uses.
  await revokeApiKey(deps.db, record.id);
  if (!result.ticketId) throw new Error('the test ticket was not accepted');
  return result.ticketId;
}
