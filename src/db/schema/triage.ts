import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, timestamps } from './columns.js';
import { messages } from './messages.js';
import { tickets } from './tickets.js';

export const priorities = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof priorities)[number];
export const sentiments = ['negative', 'neutral', 'positive'] as const;
export type Sentiment = (typeof sentiments)[number];

/** The team's categories: what the classifier predicts and what routing rules match on. */
export const taxonomyCategories = pgTable(
  'taxonomy_categories',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Example customer messages: the classifier's cold-start training data and few-shot context. */
    examples: text('examples').array().notNull().default(sql`'{}'::text[]`),
    defaultPriority: text('default_priority').$type<Priority>().notNull().default('normal'),
    active: boolean('active').notNull().default(true),
    ...timestamps(),
  },
  (t) => [uniqueIndex('taxonomy_categories_name_uq').on(t.name)],
);

export const trainingSources = ['starter', 'csv', 'correction', 'import'] as const;
export type TrainingSource = (typeof trainingSources)[number];

/**
 * The triage fields a model can learn: the category, the queue, the priority, and any custom field
 * a routing rule matches on (e.g. `type`). Each field has its own trained model.
 */
export const CATEGORY_FIELD = 'category';

/** Labelled text a triage model learns from. Text is stored PII-redacted. */
export const trainingExamples = pgTable(
  'training_examples',
  {
    id: id(),
    text: text('text').notNull(),
    /** Which triage field `label` is a value of (`category`, `queue`, `priority`, a custom field). */
    field: text('field').notNull().default(CATEGORY_FIELD),
    label: text('label').notNull(),
    source: text('source').$type<TrainingSource>().notNull(),
    /** For agent corrections: the ticket, so a second correction of a field replaces the first. */
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('training_examples_label_idx').on(t.field, t.label),
    uniqueIndex('training_examples_ticket_field_uq').on(t.ticketId, t.field),
  ],
);

/** Every trained classifier, with its evaluation; workers load the newest active one. */
export const classifierModels = pgTable(
  'classifier_models',
  {
    version: bigserial('version', { mode: 'number' }).primaryKey(),
    /** The triage field this model predicts; workers load the newest active one per field. */
    field: text('field').notNull().default(CATEGORY_FIELD),
    algorithm: text('algorithm').notNull(),
    featureVersion: text('feature_version').notNull(),
    labels: text('labels').array().notNull(),
    trainedOn: integer('trained_on').notNull(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull().default({}),
    model: jsonb('model').$type<unknown>().notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('classifier_models_active_idx').on(t.field, t.active, t.version)],
);

/** A term of the ticket's text and how much it pushed the model towards its answer. */
export interface ExplanationTerm {
  readonly term: string;
  readonly weight: number;
}

/** How one triage field got its value. */
export interface FieldDecision {
  readonly value: string;
  /**
   * `classifier`: the field's trained model; `llm`: the LLM tier; `rules`: no model with enough
   * labels, so the rules decided; `agent`: corrected by an agent.
   */
  readonly decidedBy: 'classifier' | 'llm' | 'rules' | 'agent';
  /** Calibrated probability of the model's answer; null when rules decided. */
  readonly confidence: number | null;
  readonly modelVersion: number | null;
  /** Set when a rule replaced the model's answer: what the model said and why it was replaced. */
  readonly override: { readonly from: string; readonly reason: string } | null;
  /** Why rules decided (or which rules ran); empty for a model decision without overrides. */
  readonly reasons: string[];
  /** The terms that drove the model's answer, strongest first. */
  readonly explanation: ExplanationTerm[];
}

export type TriageFields = Record<string, FieldDecision>;

export interface RuleConditions {
  category?: string[];
  priority?: Priority[];
  language?: string[];
  channel?: string[];
  sentiment?: Sentiment[];
  minConfidence?: number;
  maxConfidence?: number;
  requesterDomain?: string[];
  tagsAny?: string[];
  automated?: boolean;
  /** Custom triage fields (learned from labels), e.g. `{ "type": ["Incident"] }`. */
  fields?: Record<string, string[]>;
}

export interface RuleActions {
  team?: string;
  queue?: string;
  assignee?: string;
  addTags?: string[];
  priority?: Priority;
  slaPolicy?: string;
  draft?: boolean;
}

/** Ordered routing rules; the first enabled match decides (unless it says to continue). */
export const routingRules = pgTable(
  'routing_rules',
  {
    id: id(),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    conditions: jsonb('conditions').$type<RuleConditions>().notNull().default({}),
    actions: jsonb('actions').$type<RuleActions>().notNull().default({}),
    /** Keep evaluating later rules after this one matched (their actions merge in). */
    continueMatching: boolean('continue_matching').notNull().default(false),
    ...timestamps(),
  },
  (t) => [index('routing_rules_position_idx').on(t.position)],
);

/** The triage result for a ticket (latest wins); corrections are recorded beside the prediction. */
export const ticketTriage = pgTable(
  'ticket_triage',
  {
    ticketId: uuid('ticket_id')
      .primaryKey()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    category: text('category').notNull(),
    confidence: real('confidence').notNull(),
    /** Which tier decided: the trained classifier or the LLM. */
    decidedBy: text('decided_by').$type<'classifier' | 'llm' | 'agent'>().notNull(),
    priority: text('priority').$type<Priority>().notNull(),
    sentiment: text('sentiment').$type<Sentiment>().notNull(),
    language: text('language'),
    team: text('team'),
    queue: text('queue'),
    assignee: text('assignee'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    slaPolicy: text('sla_policy'),
    shouldDraft: boolean('should_draft').notNull().default(true),
    matchedRules: text('matched_rules').array().notNull().default(sql`'{}'::text[]`),
    classifierVersion: integer('classifier_version'),
    /** Per field: the value, what decided it (model, LLM, rules), overrides and explanation. */
    fields: jsonb('fields').$type<TriageFields>().notNull().default({}),
    /** Set when an agent corrected the category; the prediction stays for accuracy metrics. */
    correctedCategory: text('corrected_category'),
    correctedBy: text('corrected_by'),
    ...timestamps(),
  },
  (t) => [index('ticket_triage_category_idx').on(t.category)],
);

/** Every model call, for audit: what ran, on what, with which prompt, what it said, how long. */
export const aiInteractions = pgTable(
  'ai_interactions',
  {
    id: id(),
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'cascade' }),
    step: text('step').notNull(),
    model: text('model').notNull(),
    promptVersion: text('prompt_version'),
    inputRefs: jsonb('input_refs').$type<Record<string, unknown>>().notNull().default({}),
    output: jsonb('output').$type<unknown>().notNull(),
    latencyMs: integer('latency_ms').notNull(),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    createdAt: createdAt(),
  },
  (t) => [
    index('ai_interactions_ticket_idx').on(t.ticketId, t.createdAt),
    index('ai_interactions_step_created_idx').on(t.step, t.createdAt),
    // Audit listing (newest first, any step) and retention (oldest first).
    index('ai_interactions_created_idx').on(t.createdAt, t.id),
  ],
);

export type TaxonomyCategory = typeof taxonomyCategories.$inferSelect;
export type RoutingRule = typeof routingRules.$inferSelect;
export type TicketTriage = typeof ticketTriage.$inferSelect;
export type ClassifierModelRow = typeof classifierModels.$inferSelect;
