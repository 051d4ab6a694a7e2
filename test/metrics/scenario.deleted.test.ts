import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { insertDraft } from '../../src/db/queries/drafts.js';
import { rowsOf } from '../../src/db/rows.js';
import {
  type MetricsSummary,
  metricsSummary,
  refreshTicketMetrics,
  resolvePeriod,
} from '../../src/metrics/index.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import {
  signedZendeskRequest,
  zendeskStatusChanged,
  zendeskTicketCreated,
} from '../support/zendesk.js';

/*
 * Zendesk tickets created 2026-11-20 10:00Z (the fake events' time), status events at 12:00Z.
 * SLA normal = 60 min: every ticket here without a reply has breached by 11:00Z.
 *
 *  S solved (SOLVED): resolved, 2 h.
 *  X deleted as spam (DELETED) with a draft waiting: closed, no solve, draft retired; out of
 *    every count and the backlog, reported as deleted.
 *  Y solved, then scrubbed (SCRUBBED): a solve that was a deleted ticket, excluded too.
 *  R solved, then archived (ARCHIVED, Zendesk's archive of closed tickets): still one solve,
 *    resolved 2 h.
 *  O open: the backlog.
 *
 * November by creation: S R O = 3 tickets, 2 solved; backlog O = 1; SLA judged 3, breached 3
 * (no replies); X and Y deleted and excluded.
 */
let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let summary: MetricsSummary;
const ids: Record<string, string> = {};
const zendeskIds: Record<string, string> = {
  S: '910001',
  X: '910002',
  Y: '910003',
  R: '910004',
  O: '910005',
};

async function send(body: unknown): Promise<string> {
  const res = await app.request('/webhooks/zendesk', signedZendeskRequest(body));
  expect(res.status, JSON.stringify(body)).toBe(202);
  return ((await res.json()) as { ticketId: string }).ticketId;
}

const status = (key: string, previous: string, current: string) =>
  send(zendeskStatusChanged(zendeskIds[key]!, previous, current));

const eventTypes = async (ticketId: string) =>
  rowsOf<{ type: string }>(
    await deps.db.execute(
      sql`select type from ticket_events where ticket_id = ${ticketId} order by id`,
    ),
  ).map((e) => e.type);

beforeAll(async () => {
  deps = await createTestDeps({ SLA_MINUTES: '{"normal":60}' });
  app = createApp(deps);
  for (const [key, zendeskId] of Object.entries(zendeskIds)) {
    ids[key] = await send(zendeskTicketCreated(zendeskId, { subject: `Ticket ${key}` }));
  }
  await insertDraft(deps.db, {
    ticketId: ids.X!,
    kind: 'extractive',
    bodyText: 'You can reset your password from the sign-in page.',
    model: 'test',
  });
  await status('S', 'NEW', 'SOLVED');
  await status('X', 'NEW', 'DELETED');
  await status('Y', 'NEW', 'SOLVED');
  await status('Y', 'SOLVED', 'SCRUBBED');
  await status('R', 'NEW', 'SOLVED');
  await status('R', 'SOLVED', 'ARCHIVED');

  await refreshTicketMetrics(deps.db, deps.config, { full: true });
  const period = await resolvePeriod(deps.db, deps.config.TIME_ZONE, {
    from: '2026-11-01',
    to: '2026-11-30',
  });
  summary = await metricsSummary(deps.db, deps.config, { from: period.from, to: period.to });
}, 120_000);
afterAll(() => deps?.cleanup());

describe('a ticket deleted in Zendesk', () => {
  it('is closed with a deleted event, no solve, and its waiting draft is retired', async () => {
    const [ticket] = rowsOf<{ status: string; draft_state: string }>(
      await deps.db.execute(sql`select status, draft_state from tickets where id = ${ids.X}`),
    );
    expect(ticket?.status).toBe('closed');
    expect(ticket?.draft_state).not.toBe('pending');
    const types = await eventTypes(ids.X!);
    expect(types).toContain('deleted');
    expect(types).not.toContain('solved');
    const drafts = rowsOf<{ status: string }>(
      await deps.db.execute(sql`select status from drafts where ticket_id = ${ids.X}`),
    );
    expect(drafts).toEqual([{ status: 'retired' }]);
  });

  it('is no resolution: out of the solved count, resolution times, SLA and the backlog', () => {
    expect(summary.tickets).toBe(3);
    expect(summary.solved).toBe(2);
    expect(summary.resolutionMedianHours).toBeCloseTo(2, 5);
    expect(summary.backlog).toBe(1);
    expect(summary.slaJudged).toBe(3);
    expect(summary.slaBreached).toBe(3);
    expect(summary.deletedExcluded).toBe(2);
  });

  it('an archived ticket keeps its one solve (archiving is no new resolution)', async () => {
    expect((await eventTypes(ids.R!)).filter((t) => t === 'solved')).toHaveLength(1);
  });
});
