/**
 * The job contract, a leaf of the module graph: job names, payload schemas (this file), queue
 * and worker options (options.ts), the queues built from them (queues.ts) and the Redis
 * connections they travel on (redis.ts). Nothing here imports the pipeline: producers (intake,
 * the outbox) and the workers in src/queue depend on this module, never the other way round.
 */
import { z } from 'zod';

/**
 * The typed job map: job name → payload schema. Payloads carry ids, never customer text, so that
 * Redis (often shared, rarely encrypted) holds nothing personal. Each payload is parsed when it is
 * enqueued (outbox write) and again by the processor.
 */
export const jobSchemas = {
  triage: z.object({ ticketId: z.uuid(), messageId: z.uuid().optional() }),
  /** Retrain the classifier; debounced: a run with nothing new to learn is a no-op. */
  retrain: z.object({ reason: z.enum(['correction', 'import', 'taxonomy', 'manual']) }),
  /** Push a ticket's triage to Zendesk (group, priority, tags, private note). */
  'zendesk-writeback': z.object({ ticketId: z.uuid() }),
  /** Draft a reply for the ticket's latest customer message, or regenerate a given draft. */
  draft: z.object({ ticketId: z.uuid(), regenerateOf: z.uuid().optional() }),
  /**
   * Send one approved draft (the delivery row is the state machine). `acceptedMessageId` is written
   * back into the job by the worker when the SMTP server accepted the mail but the database could
   * not record it: the retry records the send instead of marking it uncertain.
   */
  deliver: z.object({ deliveryId: z.uuid(), acceptedMessageId: z.string().max(998).optional() }),
  /** Fires when a draft's SLA is due: marks it overdue and notifies the team if still pending. */
  sla: z.object({ draftId: z.uuid() }),
  /** (Re)build one article's chunks, postings and vectors, or fill a newly configured model. */
  'kb-index': z.union([
    z.object({ articleId: z.uuid() }),
    z.object({ embeddingModel: z.string().min(1).max(200) }),
  ]),
  /** Delete or anonymise data past its retention period (repeatable; see privacy/retention.ts). */
  retention: z.object({ dryRun: z.boolean().optional() }),
  /** Solve tickets waiting on the customer past AUTO_SOLVE_DAYS (repeatable, hourly). */
  'auto-solve': z.object({}),
} as const;

export type JobName = keyof typeof jobSchemas;
export type JobPayload<N extends JobName> = z.infer<(typeof jobSchemas)[N]>;
export const jobNames = Object.keys(jobSchemas) as JobName[];

export function parseJobPayload<N extends JobName>(name: N, payload: unknown): JobPayload<N> {
  return jobSchemas[name].parse(payload) as JobPayload<N>;
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobSchemas, name);
}
