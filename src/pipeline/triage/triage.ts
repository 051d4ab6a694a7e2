import { gateWrote, insertRowsIf, writeAllIf } from '../../db/queries/combined.js';
import { outboxRow } from '../../db/queries/outbox.js';
import { loadTicketContext } from '../../db/queries/ticket-context.js';
import { ticketUpdateQuery } from '../../db/queries/tickets.js';
import { getTriage, type NewAiInteraction, saveTriageQuery } from '../../db/queries/triage.js';
import { outbox } from '../../db/schema/outbox.js';
import { ticketEvents } from '../../db/schema/ticket-events.js';
import { aiInteractions, type FieldDecision, type Priority } from '../../db/schema/triage.js';
import { wakeOutboxAfterCommit } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { publishAfterCommit } from '../../live/events.js';
import { observeModelCall } from '../../observability/prometheus.js';
import { detectLanguage, LANGUAGE_CLEAR_MARGIN } from '../language.js';
import { classifierInput, inputFingerprint } from './classifier-input.js';
import { predictCategory } from './classifier-store.js';
import {
  applyRouting,
  askFieldModels,
  decidePriorityField,
  EXPLANATION_TERMS,
  modelDecision,
} from './decide-fields.js';
import { CATEGORY_FIELD, PRIORITY_FIELD } from './fields.js';
import { askTriageLlm } from './llm-tier.js';
import { route } from './routing.js';
import { detectSentiment } from './signals.js';

/** Fields the routing step sets; any other learned field is custom and feeds rule conditions. */
const ROUTED_FIELDS = new Set([CATEGORY_FIELD, PRIORITY_FIELD, 'queue', 'team']);

export type TriageDeps = Pick<
  Deps,
  | 'db'
  | 'config'
  | 'log'
  | 'classifierStore'
  | 'settings'
  | 'models'
  | 'embedders'
  | 'zendesk'
  | 'observability'
  | 'live'
>;

export interface TriageOutcome {
  category: string;
  confidence: number;
  decidedBy: 'classifier' | 'llm';
  priority: Priority;
  team: string | null;
  draft: boolean;
}

/**
 * The triage step: redact → detect language → classify (LLM tier for low confidence or cold
 * start) → priority and sentiment → route → persist with an audit row per model call → next jobs.
 * Re-running it for the same message rewrites the same triage row: safe under job retries.
 */
export async function triageTicket(
  deps: TriageDeps,
  input: { ticketId: string; messageId?: string },
): Promise<TriageOutcome | null> {
  // The ticket and its messages in one round trip, read once for the whole step.
  const context = await loadTicketContext(deps.db, input.ticketId);
  if (!context) return null;
  const { ticket, messages } = context;
  // Models only ever see redacted text; corrections learn from exactly this text.
  const { messageId, text, rawText } = await classifierInput(ticket, messages, input.messageId);
  const message = messageId ? { id: messageId } : undefined;
  // Recorded on the ticket (routing rules, the requester's language next time) only when clear: a
  // one-line subject's reading among every language is often a coin toss.
  const language =
    ticket.language ?? (await detectLanguage(rawText, undefined, LANGUAGE_CLEAR_MARGIN));

  const loaded = await deps.classifierStore.current();
  const { classifier, version } = loaded;
  const started = performance.now();
  const prediction = await predictCategory(loaded, text, deps.embedders[0]);
  const classifyMs = Math.round(performance.now() - started);
  const interactions: NewAiInteraction[] = [
    {
      ticketId: ticket.id,
      step: 'triage.classify',
      model: `classifier-v${version}`,
      promptVersion: classifier.featureVersion,
      inputRefs: { messageId: message?.id ?? null, textSha256: inputFingerprint(text) },
      output: {
        label: prediction.label,
        confidence: prediction.confidence,
        scores: prediction.scores,
      },
      latencyMs: classifyMs,
    },
  ];

  // Cached while settings_version, read with the ticket, is unchanged.
  const settings = await deps.settings.at(context.settingsVersion);
  const categories = settings.activeCategories;
  let category = prediction.label;
  let confidence = prediction.confidence;
  let decidedBy: TriageOutcome['decidedBy'] = 'classifier';
  const coldStart = deps.classifierStore.trainedOn() < deps.config.TRIAGE_COLD_START_EXAMPLES;
  const generator = deps.models.classifierLlm;
  if (generator && (confidence < deps.config.TRIAGE_LLM_THRESHOLD || coldStart)) {
    const llm = await askTriageLlm(generator, { text, categories, prediction }).catch((err) => {
      deps.log.warn(
        { ticketId: ticket.id, err: err instanceof Error ? err.message : err },
        'triage LLM failed',
      );
      return null;
    });
    if (llm) {
      interactions.push({
        ticketId: ticket.id,
        step: 'triage.llm',
        model: generator.name,
        promptVersion: llm.promptVersion,
        inputRefs: { messageId: message?.id ?? null, classifierVersion: version, coldStart },
        output: llm.output,
        latencyMs: llm.latencyMs,
        promptTokens: llm.promptTokens,
        completionTokens: llm.completionTokens,
      });
      if (llm.category) {
        category = llm.category;
        confidence = llm.confidence;
        decidedBy = 'llm';
      }
    }
  }

  // Every other field with a trained model (queue, priority, team, custom fields) is asked too.
  const answers = await askFieldModels(await deps.classifierStore.all(), text, deps.embedders[0]);
  for (const answer of answers.values()) {
    interactions.push({
      ticketId: ticket.id,
      step: `triage.${answer.field}`,
      model: `classifier-${answer.field}-v${answer.version}`,
      promptVersion: classifier.featureVersion,
      inputRefs: { messageId: message?.id ?? null, textSha256: inputFingerprint(text) },
      output: {
        label: answer.prediction.label,
        confidence: answer.prediction.confidence,
        scores: answer.prediction.scores,
      },
      latencyMs: answer.latencyMs,
    });
  }

  const sentiment = detectSentiment(rawText);
  const categoryDefault = categories.find((c) => c.name === category)?.defaultPriority ?? 'normal';
  const priorityDecision = decidePriorityField(answers.get(PRIORITY_FIELD), {
    text: rawText,
    categoryDefault,
    sentiment: sentiment.label,
    requesterEmail: ticket.requesterEmail,
    vipDomains: deps.config.VIP_DOMAINS.map((d) => d.toLowerCase()),
    vipEmails: deps.config.VIP_EMAILS.map((d) => d.toLowerCase()),
  });
  const customFields: Record<string, FieldDecision> = {};
  for (const [field, answer] of answers) {
    if (!ROUTED_FIELDS.has(field)) customFields[field] = modelDecision(answer);
  }
  const decision = route(
    settings.routingRules,
    {
      category,
      confidence,
      priority: priorityDecision.value as Priority,
      sentiment: sentiment.label,
      language,
      channel: ticket.channel,
      requesterEmail: ticket.requesterEmail,
      tags: ticket.tags,
      automated: ticket.automated,
      fields: Object.fromEntries(Object.entries(customFields).map(([f, d]) => [f, d.value])),
    },
    {
      ...(answers.has('queue') ? { queue: answers.get('queue')!.prediction.label } : {}),
      ...(answers.has('team') ? { team: answers.get('team')!.prediction.label } : {}),
    },
  );
  const categoryDecision: FieldDecision = {
    value: category,
    decidedBy,
    confidence,
    modelVersion: decidedBy === 'classifier' ? version : null,
    override: null,
    reasons: decidedBy === 'llm' ? [coldStart ? 'cold start' : 'low classifier confidence'] : [],
    explanation:
      decidedBy === 'classifier' ? classifier.explain(text, category, EXPLANATION_TERMS) : [],
  };
  const fields = applyRouting(
    { ...customFields, [CATEGORY_FIELD]: categoryDecision, [PRIORITY_FIELD]: priorityDecision },
    answers,
    decision,
  );

  // One triage per customer message, as one statement: the triage row is the gate, and the
  // ticket's language and tags, the audit rows, the `triaged` event and the next jobs are written
  // only when it is (src/db/queries/combined.ts). A second run for the same message — a job re-run
  // after its worker died, or after a commit whose answer was lost with the database connection
  // (test/faults/postgres-outage) — finds the first's row (waiting for its commit when both run at
  // once) and writes nothing: no second `triaged` event, draft job or write-back.
  const writeback =
    ticket.source === 'zendesk' &&
    ticket.externalId &&
    deps.config.ZENDESK_WRITEBACK &&
    deps.zendesk;
  const draft = deps.config.FEATURE_DRAFTS && decision.draft && !ticket.automated;
  const wrote = await writeAllIf(
    deps.db,
    saveTriageQuery(
      {
        ticketId: ticket.id,
        messageId: message?.id ?? null,
        category,
        confidence,
        decidedBy,
        priority: decision.priority,
        sentiment: sentiment.label,
        language,
        team: decision.team,
        queue: decision.queue,
        assignee: decision.assignee,
        tags: decision.tags,
        slaPolicy: decision.slaPolicy,
        shouldDraft: decision.draft,
        matchedRules: decision.matchedRules,
        classifierVersion: version,
        fields,
      },
      { onceFor: message?.id },
    ),
    [
      ticketUpdateQuery(
        deps.db,
        ticket.id,
        {
          language: language && language !== ticket.language ? language : null,
          addTags: decision.tags,
        },
        gateWrote,
      ),
      insertRowsIf(aiInteractions, interactions, gateWrote),
      insertRowsIf(
        ticketEvents,
        [
          {
            ticketId: ticket.id,
            type: 'triaged',
            actorKind: 'ai',
            data: {
              messageId: message?.id ?? null,
              category,
              confidence,
              decidedBy,
              priority: decision.priority,
              priorityDecidedBy: priorityDecision.decidedBy,
              // Plus the routing rule's, when one replaced the priority after the signals.
              priorityReasons:
                fields[PRIORITY_FIELD]!.override !== priorityDecision.override
                  ? [...priorityDecision.reasons, fields[PRIORITY_FIELD]!.override!.reason]
                  : priorityDecision.reasons,
              sentiment: sentiment.label,
              language,
              team: decision.team,
              queue: decision.queue,
              draft: decision.draft,
              rules: decision.matchedRules,
            },
          },
        ],
        gateWrote,
      ),
      insertRowsIf(
        outbox,
        [
          ...(writeback ? [outboxRow('zendesk-writeback', { ticketId: ticket.id })] : []),
          ...(draft ? [outboxRow('draft', { ticketId: ticket.id })] : []),
        ],
        gateWrote,
      ),
    ],
  );
  if (wrote) {
    if (writeback || draft) wakeOutboxAfterCommit(deps.db);
    for (const row of interactions) observeModelCall(deps.observability, row);
    // Category, priority and team show in open queues.
    publishAfterCommit(deps.live, deps.db, {
      type: 'ticket.changed',
      ticketId: ticket.id,
      change: 'triaged',
    });
  }
  const earlier = wrote ? null : await getTriage(deps.db, ticket.id);
  if (earlier) {
    return {
      category: earlier.category,
      confidence: earlier.confidence,
      decidedBy: earlier.decidedBy === 'llm' ? 'llm' : 'classifier',
      priority: earlier.priority,
      team: earlier.team,
      draft: earlier.shouldDraft,
    };
  }

  return {
    category,
    confidence,
    decidedBy,
    priority: decision.priority,
    team: decision.team,
    draft: decision.draft,
  };
}
