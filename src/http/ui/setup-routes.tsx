import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { startSession } from '../../auth/users.js';
import { latestDraftForTicket } from '../../db/queries/drafts.js';
import { knownTeams } from '../../db/queries/teams.js';
import { getTicket } from '../../db/queries/tickets.js';
import { getTriage } from '../../db/queries/triage.js';
import { userRoles } from '../../db/schema/users.js';
import type { Deps } from '../../deps.js';
import {
  createFirstAdmin,
  hasUsers,
  importUploadedKb,
  inviteTeammate,
  SetupError,
  sendTestTicket,
} from '../../pipeline/first-run.js';
import type { AppEnv } from '../context.js';
import { setSessionCookie } from '../middleware/auth.js';
import { SetupPage, TestTicketPage, type WelcomeNotice, WelcomePage } from './pages/setup.js';
import { requireUser, type UiEnv } from './session.js';

const setupForm = z.object({
  token: z.string().max(200),
  email: z.email().max(320),
  name: z.string().trim().max(200).default(''),
  password: z.string().min(12, 'at least 12 characters').max(1024),
});

const inviteForm = z.object({
  email: z.email().max(320),
  name: z.string().trim().max(200).default(''),
  role: z.enum(userRoles),
  team: z.string().trim().max(100).default(''),
  newTeam: z.literal('yes').optional(),
});

/**
 * `/` → `/app`; while no user exists `/app` and `/app/login` lead to `/app/setup` (first admin,
 * token-guarded); `/app/welcome` is the admin's checklist: connect a helpdesk, import a knowledge
 * base, invite teammates, send a test ticket and watch it being triaged and drafted.
 */
export function setupPages(deps: Deps) {
  const app = new Hono<AppEnv>();
  // Users never go back to none: once one exists the check is skipped for the process's life.
  let setUp = false;
  const needsSetup = async () => {
    if (setUp) return false;
    setUp = await hasUsers(deps.db);
    return !setUp;
  };

  app.get('/', (c) => c.redirect('/app', 302));
  for (const path of ['/app', '/app/login']) {
    app.get(path, async (c, next) => {
      if (await needsSetup()) return c.redirect('/app/setup', 303);
      await next();
    });
  }

  app.get('/app/setup', async (c) => {
    if (!(await needsSetup())) return c.redirect('/app/login', 303);
    return c.html(<SetupPage token={c.req.query('token') ?? ''} />);
  });

  app.post('/app/setup', async (c) => {
    const body = await c.req.parseBody();
    const form = setupForm.safeParse(body);
    const token = typeof body.token === 'string' ? body.token : '';
    const email = typeof body.email === 'string' ? body.email : '';
    if (!form.success) {
      const issue = form.error.issues[0]!;
      return c.html(
        <SetupPage
          token={token}
          email={email}
          error={`${String(issue.path[0])}: ${issue.message}`}
        />,
        400,
      );
    }
    try {
      const user = await createFirstAdmin(deps, form.data);
      setUp = true;
      const session = await startSession(
        deps.db,
        user,
        deps.config.SESSION_TTL_HOURS * 3_600_000,
        deps.now(),
      );
      setSessionCookie(deps, c, session.token, session.expiresAt);
      deps.log.info({ event: 'first_admin_created', userId: user.id }, 'first admin created');
      return c.redirect('/app/welcome', 303);
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      return c.html(<SetupPage token={token} email={email} error={err.message} />, 403);
    }
  });

  const welcome = new Hono<UiEnv>();
  welcome.use('/app/welcome', requireUser(deps, 'admin'));
  welcome.use('/app/welcome/*', requireUser(deps, 'admin'));

  const render = async (c: Context<UiEnv>, notice?: WelcomeNotice, status: 200 | 400 = 200) =>
    c.html(
      <WelcomePage
        user={c.get('user')}
        publicUrl={deps.config.PUBLIC_URL}
        teams={await knownTeams(deps.db)}
        configured={{
          zendesk: deps.config.ZENDESK_WEBHOOK_SECRETS.length > 0,
          mailgun: deps.config.MAILGUN_SIGNING_KEYS.length > 0,
          basicAuth: deps.config.INBOUND_BASIC_AUTH.length > 0,
        }}
        notice={notice}
      />,
      status,
    );

  welcome.get('/app/welcome', (c) => render(c));

  welcome.post('/app/welcome/kb', async (c) => {
    const body = await c.req.parseBody({ all: true });
    const raw = body.files;
    const files = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter(
      (f): f is File => typeof f !== 'string' && f.size > 0,
    );
    if (files.length === 0) {
      return render(c, { kind: 'error', text: 'Choose at least one file to upload.' }, 400);
    }
    try {
      const uploaded = await Promise.all(
        files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
      );
      const reports = await importUploadedKb(deps, uploaded);
      const created = reports.reduce((n, r) => n + r.created, 0);
      const updated = reports.reduce((n, r) => n + r.updated, 0);
      const indexed = reports.reduce((n, r) => n + r.indexed, 0);
      return render(c, {
        kind: 'ok',
        text: `Knowledge base: ${created} new and ${updated} updated article(s), ${indexed} indexed and searchable now.`,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return render(c, { kind: 'error', text: `Nothing imported: ${message}` }, 400);
    }
  });

  welcome.post('/app/welcome/invite', async (c) => {
    const form = inviteForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      const issue = form.error.issues[0]!;
      return render(c, { kind: 'error', text: `${String(issue.path[0])}: ${issue.message}` }, 400);
    }
    try {
      const { user, password } = await inviteTeammate(deps.db, {
        ...form.data,
        newTeam: form.data.newTeam === 'yes',
      });
      return render(c, {
        kind: 'ok',
        text: `Created ${user.email} (${user.role}). Send them ${deps.config.PUBLIC_URL}/app and this password, shown once: ${password}`,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return render(c, { kind: 'error', text: message }, 400);
    }
  });

  welcome.post('/app/welcome/test-ticket', async (c) => {
    const ticketId = await sendTestTicket(deps, deps.now());
    return c.redirect(`/app/welcome/test-ticket/${ticketId}`, 303);
  });

  welcome.get('/app/welcome/test-ticket/:id', async (c) => {
    const id = c.req.param('id');
    if (!z.uuid().safeParse(id).success) return c.notFound();
    const ticket = await getTicket(deps.db, id);
    if (!ticket) return c.notFound();
    const triage = await getTriage(deps.db, id);
    const draft = await latestDraftForTicket(deps.db, id);
    return c.html(
      <TestTicketPage
        user={c.get('user')}
        ticket={{ id, subject: ticket.subject }}
        triage={
          triage
            ? {
                category: triage.category,
                priority: triage.priority,
                team: triage.team,
                shouldDraft: triage.shouldDraft,
              }
            : null
        }
        draft={
          draft
            ? { id: draft.id, kind: draft.kind, status: draft.status, text: draft.bodyText }
            : null
        }
      />,
    );
  });

  app.route('/', welcome);
  return app;
}
