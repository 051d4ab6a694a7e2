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

/** Labelled text the classifier learns from. Text is stored PII-redacted. */
export const trainingExamples = pgTable(
  'training_examples',
  {
    id: id(),
    text: text('text').notNull(),
    label: text('label').notNull(),
    source: text('source').$type<TrainingSource>().notNull(),
    /** For agent corrections: the ticket, so a second correction replaces the first. */
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('training_examples_label_idx').on(t.label),
    uniqueIndex('training_examples_ticket_uq').on(t.ticketId),
  ],
);

/** Every trained classifier, with its evaluation; workers load the newest active one. */
export const classifierModels = pgTable(
  'classifier_models',
  {
    version: bigserial('version', { mode: 'number' }).primaryKey(),
    algorithm: text('algorithm').notNull(),
    featureVersion: text('feature_version').notNull(),
    labels: text('labels').array().notNull(),
    trainedOn: integer('trained_on').notNull(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull().default({}),
    model: jsonb('model').$type<unknown>().notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('classifier_models_active_idx').on(t.active, t.version)],
);

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
