import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.js';
import { messages } from './messages.js';
import { tickets } from './tickets.js';

export const draftStatuses = [
  'pending_approval',
  'approved',
  'rejected',
  'superseded',
  /**
   * Never decided: the customer was answered another way (an agent in the helpdesk, a reply
   * written by hand) or the ticket was solved while the draft waited (pipeline/review/sla.ts).
   */
  'retired',
  'sent',
  'delivery_failed',
  /**
   * A reply written by hand that its author took back within the undo window: never sent, kept
   * for the record, and ignored wherever the ticket's current draft is asked for.
   */
  'withdrawn',
] as const;
export type DraftStatus = (typeof draftStatuses)[number];
/**
 * llm: written by a model; extractive: composed from passages; no_answer: nothing relevant found;
 * manual: a reply an agent wrote by hand on the ticket page (approved by its author when sent, and
 * delivered by the same path as an approved draft; excluded from draft-quality metrics).
 */
export const draftKinds = ['llm', 'extractive', 'no_answer', 'manual'] as const;
export type DraftKind = (typeof draftKinds)[number];
/**
 * answered: grounded and cited; abstained: no grounded answer (the ticket needs a human reply and
 * counts as a knowledge-base gap). Filter on it for the "needs a human reply" view.
 */
export const draftAnswerStates = ['answered', 'abstained'] as const;
export type DraftAnswerState = (typeof draftAnswerStates)[number];

/** What a regeneration did with the agent's instructions. */
export interface RegenerationResult {
  /** Instructions understood, in the words the inbox shows ("shorter", "exclude source 2"). */
  applied: string[];
  /** Parts of the instructions the extractive composer could not act on. */
  ignored: string[];
  /** True when the new version has the same text as the one it replaces. */
  unchanged: boolean;
}

export interface Citation {
  /** The [n] the draft text uses. */
  index: number;
  chunkId: string;
  articleId: string;
  /** The article's own id as imported (absent on drafts written before it was recorded). */
  externalId?: string;
  title: string;
  url: string | null;
  section: string;
  score: number;
}

export const drafts = pgTable(
  'drafts',
  {
    id: id(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    /** The customer message this draft answers. */
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    /** 1 for the first draft of a ticket, +1 per regeneration. */
    version: integer('version').notNull(),
    status: text('status').$type<DraftStatus>().notNull().default('pending_approval'),
    kind: text('kind').$type<DraftKind>().notNull(),
    bodyText: text('body_text').notNull(),
    citations: jsonb('citations').$type<Citation[]>().notNull().default([]),
    model: text('model').notNull(),
    promptVersion: text('prompt_version'),
    /** Calibrated confidence (0–1) of the best cited article; the gate is DRAFT_MIN_CONFIDENCE. */
    confidence: real('confidence').notNull().default(0),
    state: text('state').$type<DraftAnswerState>().notNull().default('answered'),
    /** Why the draft abstained, or fell back from the LLM; shown to the agent. */
    reason: text('reason'),
    /** ISO 639-1 language the draft greets and signs off in. */
    language: text('language'),
    regeneration: jsonb('regeneration').$type<RegenerationResult>(),
    latencyMs: integer('latency_ms').notNull().default(0),
    /** Guards that failed (empty when the draft passed every one). Non-empty → needs a human. */
    guardFlags: text('guard_flags').array().notNull().default(sql`'{}'::text[]`),
    needsHuman: boolean('needs_human').notNull().default(false),
    /** Agent instructions this version was generated with ("shorter", "offer a call"). */
    instructions: text('instructions'),
    /** Set on the draft an agent asked to regenerate; the draft job reads it (payloads carry ids). */
    regenerationRequest: text('regeneration_request'),
    /** Optimistic lock: every state change increments it; a stale change is refused. */
    lockVersion: integer('lock_version').notNull().default(0),
    claimedBy: text('claimed_by'),
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    finalText: text('final_text'),
    editDiff: text('edit_diff'),
    /** Word-level Levenshtein distance between the draft and what was sent. */
    editDistance: integer('edit_distance'),
    wordsSent: integer('words_sent'),
    rejectReason: text('reject_reason'),
    /**
     * The answered question (kb_answered_questions) that chose this draft's article, when a lesson
     * did: rejecting the draft as a wrong answer forgets it. No foreign key (that table points
     * here): a lesson forgotten since is simply not there to delete.
     */
    answeredQuestionId: uuid('answered_question_id'),
    /** The last agent who saved an edit without sending it (the working text is `finalText`). */
    savedBy: text('saved_by'),
    savedAt: timestamp('saved_at', { withTimezone: true, mode: 'date' }),
    autoSent: boolean('auto_sent').notNull().default(false),
    slaDueAt: timestamp('sla_due_at', { withTimezone: true, mode: 'date' }),
    overdue: boolean('overdue').notNull().default(false),
    /**
     * The extractive draft shown at once while the model (DRAFT_LLM) writes its own: superseded
     * by the model's draft when that is ready, unless an agent started on this one first. Stays
     * set in the version history, which says so.
     */
    provisional: boolean('provisional').notNull().default(false),
    /** On a provisional draft: the model's draft so far, as it streams in; null once resolved. */
    llmPreview: text('llm_preview'),
    /** Manual replies: the client's Idempotency-Key, so a repeated request sends once. */
    idempotencyKey: text('idempotency_key'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('drafts_ticket_version_uq').on(t.ticketId, t.version),
    uniqueIndex('drafts_ticket_idempotency_uq').on(t.ticketId, t.idempotencyKey),
    index('drafts_status_sla_idx').on(t.status, t.slaDueAt),
    index('drafts_state_created_idx').on(t.state, t.createdAt),
  ],
);

export const deliveryStates = [
  'pending',
  'sending',
  'sent',
  'failed',
  'uncertain',
  'blocked',
] as const;
export type DeliveryState = (typeof deliveryStates)[number];

/**
 * One row per approved draft: the delivery state machine. The unique draft id is the idempotency
 * key; `sending` is committed before the external call, so a worker that dies mid-send leaves a
 * row that says so instead of a silent resend.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: id(),
    draftId: uuid('draft_id')
      .notNull()
      .references(() => drafts.id, { onDelete: 'cascade' }),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    channel: text('channel').$type<'email' | 'zendesk'>().notNull(),
    state: text('state').$type<DeliveryState>().notNull().default('pending'),
    /** For email: our Message-ID, fixed before the first attempt so a resend would be recognisable. */
    emailMessageId: text('email_message_id'),
    recipient: text('recipient'),
    /** Zendesk comment id once posted. */
    externalId: text('external_id'),
    public: boolean('public').notNull().default(true),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /**
     * End of the undo window: the outbox row of the `deliver` job becomes available at this time,
     * and until a worker moves the row to `sending` an undo can still delete it.
     */
    sendAfter: timestamp('send_after', { withTimezone: true, mode: 'date' }),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('deliveries_draft_uq').on(t.draftId),
    index('deliveries_state_idx').on(t.state),
    index('deliveries_recipient_sent_idx').on(t.recipient, t.sentAt),
  ],
);

export type Draft = typeof drafts.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;

/** Auto-send, off unless a category has an enabled policy (see pipeline/review/auto-send.ts). */
export const autoSendPolicies = pgTable('auto_send_policies', {
  category: text('category').primaryKey(),
  enabled: boolean('enabled').notNull().default(false),
  minConfidence: real('min_confidence').notNull().default(0.8),
  /** Share of recent human-reviewed drafts sent unchanged that the category must have earned. */
  minUnchangedRate: real('min_unchanged_rate').notNull().default(0.9),
  /** Reviewed drafts needed before the rate counts. */
  minSample: integer('min_sample').notNull().default(50),
  ...timestamps(),
});

export type AutoSendPolicy = typeof autoSendPolicies.$inferSelect;
