import type { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import type { Db } from '../../../src/db/client.js';
import { rowsOf } from '../../../src/db/rows.js';
import type { RedisConnection } from '../../../src/jobs/redis.js';
import { outboxJobId, outboxStoreTag } from '../../../src/queue/outbox-relay.js';
import type { FakeZendesk } from '../../support/fake-zendesk.js';
import type { ReceivedMessage } from '../../support/smtp-server.js';
import { rawHeaderValues } from '../../support/smtp-server.js';

/** Job states that mean "not finished yet". */
const unfinished = ['active', 'wait', 'prioritized', 'waiting-children'] as const;

export interface JobAccount {
  completed: number;
  /** Dead-lettered: failed for good (kept as the dead-letter record). */
  failed: number;
  /** Running or waiting to run. */
  unfinished: number;
  /** Waiting for a retry backoff or (sla) a timer; only future SLA timers count as settled. */
  delayed: number;
}

export interface PipelineReport {
  /** Tickets the senders were told were accepted but that do not exist. */
  lostTickets: number;
  /** Accepted deliveries (source + dedupe key) that produced more than one ticket. */
  duplicateTickets: number;
  tickets: number;
  /** Tickets never triaged / triaged more than once (one customer message each in these runs). */
  untriaged: number;
  triagedTwice: number;
  /**
   * Tickets routing wanted drafted that have no draft / more than one draft for one message (a
   * stand-in shown while the model wrote, `provisional`, does not count as a second).
   */
  undrafted: number;
  draftedTwice: number;
  deliveries: Record<string, number>;
  /** Approved drafts with more than one delivery row. */
  duplicateDeliveries: number;
  /** SMTP messages the sink received for customers (alerts to the team are counted apart). */
  emailsSent: number;
  alertEmails: number;
  /**
   * Message-IDs the sink received more than once, and emails whose delivery row says they did not
   * go out (`pending`, `failed`, `blocked`): a retry or a person could send those again.
   */
  emailsDuplicated: number;
  /**
   * Emails received whose row is still `sending`: the send is in flight (the worker records it
   * next) or a killed worker left it (its retry marks it uncertain). Not a duplicate.
   */
  emailsInFlight: number;
  /** `sent` deliveries whose email never arrived. */
  emailsMissing: number;
  /** Customer emails no delivery row accounts for (a resend under a fresh Message-ID). */
  emailsUnaccounted: number;
  outboxPending: number;
  jobs: Record<string, JobAccount>;
  /** Unfinished jobs plus delayed ones other than SLA timers. */
  stuckJobs: number;
  /** Outbox rows handed to BullMQ whose job no longer exists in Redis (in any state). */
  jobsLost: number;
  deadLettered: number;
  /** With `backlog: true` only: the work still to do, per stage, and whether anything will do it. */
  backlog?: BacklogAccount;
}

/**
 * Work accepted but not finished, per stage: tickets not yet triaged, triaged tickets routing
 * wants drafted that have no draft, approved deliveries not yet sent. `unfinished` ones have a
 * pending outbox row or a job Redis will still run (waiting, active, delayed: a backlog); `lost`
 * ones have neither, so nothing will ever do them (a dead-lettered job is counted there too).
 */
export interface BacklogAccount {
  unfinished: { triage: number; draft: number; deliver: number };
  lost: { triage: number; draft: number; deliver: number };
}

const n = (v: unknown) => Number(v ?? 0);

/** Every number the fault tests and the soak assert on, from the database, Redis and the SMTP sink. */
export async function pipelineReport(input: {
  db: Db;
  queues: Record<string, Queue>;
  /** A client on the queues' Redis, to look up job ids. */
  redis: RedisConnection;
  emails?: readonly ReceivedMessage[];
  /** Ticket ids the webhooks answered 202/200 with (those must all exist). */
  acceptedTicketIds?: Iterable<string>;
  /** Addresses alerts go to (SLA_NOTIFY): their mail is not customer mail. */
  teamAddresses?: string[];
  /**
   * Also split the work left to do into unfinished and lost (`backlog`). Meant for a pipeline at
   * rest (workers and relays stopped): while they run, work moves between the reads.
   */
  backlog?: boolean;
}): Promise<PipelineReport> {
  const { db } = input;
  // The sink's messages first, the delivery rows after: a row is `sending`, with its Message-ID,
  // before its email goes out, so every email in this copy finds its row in that state or later.
  // (Read the other way round, an email arriving between the two reads looked like a duplicate or
  // like mail no row accounts for.)
  const emails = [...(input.emails ?? [])];
  const one = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query))[0]!;

  const accepted = [...new Set(input.acceptedTicketIds ?? [])];
  let lostTickets = 0;
  if (accepted.length > 0) {
    const found = await one<{ n: number }>(
      sql`select count(*)::int as n from tickets where id = any(${`{${accepted.join(',')}}`}::uuid[])`,
    );
    lostTickets = accepted.length - n(found.n);
  }
  const tickets = await one<{ n: number }>(sql`select count(*)::int as n from tickets`);
  const duplicateTickets = await one<{ n: number }>(sql`
    select count(*)::int as n from (
      select source, external_id from tickets where external_id is not null
      group by source, external_id having count(*) > 1) t`);
  const triage = await one<{ untriaged: number; twice: number }>(sql`
    select count(*) filter (where coalesce(e.n, 0) = 0)::int as untriaged,
           count(*) filter (where e.n > 1)::int as twice
    from tickets t
    left join (select ticket_id, count(*) as n from ticket_events where type = 'triaged'
               group by ticket_id) e on e.ticket_id = t.id
    where not t.automated`);
  const drafts = await one<{ undrafted: number; twice: number }>(sql`
    select
      (select count(*) from tickets t join ticket_triage tt on tt.ticket_id = t.id
        where tt.should_draft and not t.automated
          and not exists (select 1 from drafts d where d.ticket_id = t.id))::int as undrafted,
      (select count(*) from (select message_id from drafts
        -- the extractive draft shown while the model wrote is one draft with its replacement
        where message_id is not null and not provisional
        group by ticket_id, message_id having count(*) > 1) x)::int as twice`);
  const deliveryRows = rowsOf<{ id: string; state: string; email_message_id: string | null }>(
    await db.execute(sql`select id, state, email_message_id from deliveries`),
  );
  const duplicateDeliveries = await one<{ n: number }>(sql`
    select count(*)::int as n from (select draft_id from deliveries group by draft_id
      having count(*) > 1) x`);
  const deliveries: Record<string, number> = {};
  for (const row of deliveryRows) deliveries[row.state] = (deliveries[row.state] ?? 0) + 1;

  const team = new Set((input.teamAddresses ?? []).map((a) => a.toLowerCase()));
  const byMessageId = new Map<string, number>();
  let alertEmails = 0;
  let emailsSent = 0;
  for (const mail of emails) {
    if (mail.envelope.rcptTo.every((to) => team.has(to.toLowerCase()))) {
      alertEmails++;
      continue;
    }
    emailsSent++;
    const id = (rawHeaderValues(mail.raw, 'message-id')[0] ?? '').replace(/[<>]/g, '');
    byMessageId.set(id, (byMessageId.get(id) ?? 0) + 1);
  }
  let emailsDuplicated = [...byMessageId.values()].filter((count) => count > 1).length;
  let emailsMissing = 0;
  let emailsInFlight = 0;
  const known = new Set<string>();
  for (const row of deliveryRows) {
    if (!row.email_message_id) continue;
    known.add(row.email_message_id);
    const count = byMessageId.get(row.email_message_id) ?? 0;
    if (row.state === 'sent' && count === 0 && input.emails) emailsMissing++;
    if (count > 0 && row.state === 'sending') emailsInFlight++;
    // Only `sent`, `uncertain` (accepted, then the worker died) and `sending` (accepted, not yet
    // recorded) may have reached the customer.
    else if (count > 0 && row.state !== 'sent' && row.state !== 'uncertain') emailsDuplicated++;
  }
  const emailsUnaccounted = [...byMessageId.keys()].filter((id) => !known.has(id)).length;

  const outboxPending = await one<{ n: number }>(
    sql`select count(*)::int as n from outbox where state = 'pending'`,
  );

  const jobs: Record<string, JobAccount> = {};
  let stuckJobs = 0;
  let deadLettered = 0;
  // Every outbox row the relay handed over must still be a job BullMQ knows (in any state): a job
  // that vanished from Redis is work nobody will ever do, and no queue count would show it.
  const handedOver = rowsOf<{ id: number; job_name: string }>(
    await db.execute(sql`select id, job_name from outbox where state in ('sent', 'verified')`),
  );
  let jobsLost = 0;
  const jobIds = new Map<string, Set<string>>();
  /** Jobs BullMQ will still run: waiting, active or delayed. */
  const liveJobIds = new Map<string, Set<string>>();
  for (const [name, queue] of Object.entries(input.queues)) {
    // One MULTI per queue (its keys share a slot on a cluster): read state by state, a job moving
    // from `wait` to `active` between the two reads was in neither, and counted lost.
    const sorted = ['completed', 'failed', 'delayed', 'prioritized', 'waiting-children'];
    const lists = ['active', 'wait', 'paused'];
    const multi = input.redis.multi();
    for (const state of sorted) multi.zrange(queue.toKey(state), 0, -1);
    for (const state of lists) multi.lrange(queue.toKey(state), 0, -1);
    const replies = (await multi.exec()) ?? [];
    const ids = new Set<string>();
    const live = new Set<string>();
    [...sorted, ...lists].forEach((state, i) => {
      const [err, found] = replies[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      for (const id of found as string[]) {
        ids.add(id);
        if (state !== 'completed' && state !== 'failed') live.add(id);
      }
    });
    jobIds.set(name, ids);
    liveJobIds.set(name, live);
  }
  const store = await outboxStoreTag(db);
  for (const row of handedOver) {
    if (!jobIds.get(row.job_name)?.has(outboxJobId(row.id, store))) jobsLost++;
  }
  const backlog = input.backlog
    ? await backlogAccount(db, (name, rowId) =>
        liveJobIds.get(name)?.has(outboxJobId(rowId, store)),
      )
    : undefined;
  for (const [name, queue] of Object.entries(input.queues)) {
    const counts = await queue.getJobCounts('completed', 'failed', 'delayed', ...unfinished);
    const waiting = unfinished.reduce((sum, state) => sum + n(counts[state]), 0);
    jobs[name] = {
      completed: n(counts.completed),
      failed: n(counts.failed),
      unfinished: waiting,
      delayed: n(counts.delayed),
    };
    stuckJobs += waiting + (name === 'sla' ? 0 : n(counts.delayed));
    deadLettered += n(counts.failed);
  }

  return {
    lostTickets,
    duplicateTickets: n(duplicateTickets.n),
    tickets: n(tickets.n),
    untriaged: n(triage.untriaged),
    triagedTwice: n(triage.twice),
    undrafted: n(drafts.undrafted),
    draftedTwice: n(drafts.twice),
    deliveries,
    duplicateDeliveries: n(duplicateDeliveries.n),
    emailsSent,
    alertEmails,
    emailsDuplicated,
    emailsMissing,
    emailsUnaccounted,
    emailsInFlight,
    outboxPending: n(outboxPending.n),
    jobs,
    stuckJobs,
    jobsLost,
    deadLettered,
    backlog,
  };
}

/**
 * Each unfinished item with the outbox rows that name it (payload `ticketId` for triage and
 * draft, `deliveryId` for deliver): it is unfinished while one of them is pending or its job is
 * still to run (`jobLive`), lost otherwise.
 */
async function backlogAccount(
  db: Db,
  jobLive: (jobName: string, rowId: number) => boolean | undefined,
): Promise<BacklogAccount> {
  const rows = rowsOf<{ stage: Stage; item: string; row_id: number | null; state: string | null }>(
    await db.execute(sql`
      with todo as (
        select 'triage' as stage, t.id::text as item, 'ticketId' as key from tickets t
          where not t.automated
            and not exists (select 1 from ticket_events e
                            where e.ticket_id = t.id and e.type = 'triaged')
        union all
        select 'draft', t.id::text, 'ticketId' from tickets t
          join ticket_triage tt on tt.ticket_id = t.id
          where tt.should_draft and not t.automated
            and not exists (select 1 from drafts d where d.ticket_id = t.id)
        union all
        select 'deliver', d.id::text, 'deliveryId' from deliveries d
          where d.state in ('pending', 'sending'))
      select todo.stage, todo.item, o.id::int as row_id, o.state
      from todo left join outbox o on o.job_name = todo.stage
        and o.payload ->> todo.key = todo.item`),
  );
  const live = new Map<string, boolean>();
  for (const row of rows) {
    const key = `${row.stage}:${row.item}`;
    const doing =
      row.state === 'pending' ||
      (row.row_id !== null &&
        (row.state === 'sent' || row.state === 'verified') &&
        jobLive(row.stage, row.row_id) === true);
    live.set(key, (live.get(key) ?? false) || doing);
  }
  const account: BacklogAccount = {
    unfinished: { triage: 0, draft: 0, deliver: 0 },
    lost: { triage: 0, draft: 0, deliver: 0 },
  };
  for (const [key, doing] of live) {
    const stage = key.slice(0, key.indexOf(':')) as Stage;
    account[doing ? 'unfinished' : 'lost'][stage]++;
  }
  return account;
}

type Stage = 'triage' | 'draft' | 'deliver';

/**
 * Waits until the pipeline has nothing left to do: outbox drained and no job running, waiting or
 * backing off (future SLA timers excepted), stable over two consecutive looks.
 */
export async function settle(
  input: { db: Db; queues: Record<string, Queue>; redis: RedisConnection },
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietLooks = 0;
  for (;;) {
    const report = await pipelineReport(input);
    quietLooks = report.outboxPending === 0 && report.stuckJobs === 0 ? quietLooks + 1 : 0;
    if (quietLooks >= 2) return;
    if (Date.now() > deadline) {
      throw new Error(
        `pipeline did not settle: ${JSON.stringify({ outbox: report.outboxPending, jobs: report.jobs })}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The four promises of issue #7, as one object a test can compare with toEqual. */
export function invariantsOf(report: PipelineReport) {
  return {
    lostTickets: report.lostTickets,
    duplicateTickets: report.duplicateTickets,
    untriaged: report.untriaged,
    triagedTwice: report.triagedTwice,
    undrafted: report.undrafted,
    draftedTwice: report.draftedTwice,
    duplicateDeliveries: report.duplicateDeliveries,
    emailsDuplicated: report.emailsDuplicated,
    emailsUnaccounted: report.emailsUnaccounted,
    outboxPending: report.outboxPending,
    stuckJobs: report.stuckJobs,
    jobsLost: report.jobsLost,
  };
}

export const cleanInvariants = {
  lostTickets: 0,
  duplicateTickets: 0,
  untriaged: 0,
  triagedTwice: 0,
  undrafted: 0,
  draftedTwice: 0,
  duplicateDeliveries: 0,
  emailsDuplicated: 0,
  emailsUnaccounted: 0,
  outboxPending: 0,
  stuckJobs: 0,
  jobsLost: 0,
};

/** Replies Deskpilot posted to the fake Zendesk (comments not written by the requester). */
export function zendeskReplies(zendesk: FakeZendesk) {
  let zendeskReplies = 0;
  let zendeskDuplicated = 0;
  for (const ticket of zendesk.tickets.values()) {
    const replies = ticket.comments.filter((c) => c.authorId !== ticket.requesterId).length;
    zendeskReplies += replies;
    if (replies > 1) zendeskDuplicated++;
  }
  return { zendeskReplies, zendeskDuplicated };
}
