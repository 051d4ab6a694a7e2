import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  getDraft,
  insertDraft,
  insertDraftWithBookkeeping,
  lockDraft,
  resolveStandIn,
  setDraftPreview,
} from '../../db/queries/drafts.js';
import { loadTicketContext } from '../../db/queries/ticket-context.js';
import { aiInteractionsInsert, type NewAiInteraction } from '../../db/queries/triage.js';
import type { Draft, RegenerationResult } from '../../db/schema/drafts.js';
import { afterCommit, withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { normalizeLanguage } from '../../kb/language.js';
import { spellingFor } from '../../kb/spelling.js';
import { observeModelCall } from '../../observability/prometheus.js';
import { redactText } from '../../privacy/redact.js';
import { querySpelling } from '../query-spelling.js';
import { maybeAutoSend } from '../review/auto-send.js';
import { draftDueSql } from '../review/sla.js';
import { unitsOfArticle } from './article-units.js';
import { findCandidates } from './candidates.js';
import type { ArticleCandidate } from './confidence.js';
import {
  type ComposedDraft,
  composeExtractive,
  composeNoAnswer,
  type SourceArticle,
  toCitations,
} from './extractive.js';
import { checkDraft, type GuardFlag } from './guards.js';
import { parseInstructions, type RegenerateOptions } from './instructions.js';
import { draftWithLlm } from './llm.js';
import { draftBody } from './outcome.js';
import { resolveReplyLanguage } from './reply-language.js';
import { countWords } from './sentences.js';

/** How a draft whose article a lesson chose (kb/answered.ts) starts its reason: the inbox shows it as information, not a warning. */
export const LEARNED_REASON =
  'Chosen because the team sent this article for a similar question before';

export type DraftDeps = Pick<
  Deps,
  | 'db'
  | 'config'
  | 'log'
  | 'settings'
  | 'embedders'
  | 'thesaurus'
  | 'models'
  | 'observability'
  | 'live'
>;

export type DraftOutcome =
  | { status: 'drafted'; draft: Draft }
  | {
      status: 'skipped';
      reason:
        | 'no_ticket'
        | 'automated'
        | 'routing_says_no'
        | 'no_customer_message'
        | 'already_drafted'
        | 'not_pending'
        | 'already_answered';
    };

/**
 * The quoted-words budget: DRAFT_MAX_WORDS, scaled by "shorter"/"longer" relative to what the
 * previous version actually quoted (a 40-word draft asked to be shorter gets ~22, not 66).
 */
export function wordBudget(
  maxWords: number,
  options: RegenerateOptions,
  previous: Pick<Draft, 'bodyText'> | null,
): number {
  if (options.length === 1 || !previous) return Math.round(maxWords * options.length);
  const used = countWords(draftBody(previous.bodyText).replace(/\[\d{1,2}\]/g, ''));
  const base = options.length < 1 ? Math.min(maxWords, used) : Math.max(maxWords, used);
  return Math.max(10, Math.round(base * options.length));
}

type DraftValues = Omit<Parameters<typeof insertDraft>[1], 'ticketId'>;
type Interaction = NewAiInteraction;

/**
 * The line that states the problem, counted twice in the retrieval query: the subject, or a
 * message's first line when more follows it (a ticket's opening line is usually the question,
 * what follows the context: "How do I cancel my order? I placed it yesterday…" is about
 * cancelling, not placing). Empty for a one-line message without a subject, which is all lead.
 * On the ticket-answers eval set (subject and body as one message) top-1 citation 0.7215 →
 * 0.7315; the one-line bitext questions are unchanged.
 */
export function leadLine(subject: string | null | undefined, text: string): string {
  if (subject?.trim()) return subject;
  const lines = text.trim().split(/\n+/);
  return lines.length > 1 ? (lines[0] ?? '') : '';
}

/**
 * Which articles a draft may quote: the best-ranked candidate (articles in the draft's language
 * ahead of others) when its calibrated confidence reaches DRAFT_MIN_CONFIDENCE; the agent's
 * Regenerate instructions can exclude a source, ask for a specific one (the agent's call, even
 * below the gate) or for the next-best alternative. At most two: a second article only when it
 * passes a much higher bar on its own (1 − (1 − DRAFT_MIN_CONFIDENCE) / 5).
 */
export function gateArticles(
  articles: readonly ArticleCandidate[],
  input: {
    minConfidence: number;
    language: string;
    options: RegenerateOptions;
    previous: Draft | null;
  },
): ArticleCandidate[] {
  const cited = input.previous?.citations ?? [];
  const pool = withoutExcluded(articles, input.options, cited);
  const inLanguage = (a: ArticleCandidate) =>
    normalizeLanguage(a.passages[0]!.language) === input.language ? 0 : 1;
  // Rank order, articles in the draft's language first (the sort is stable).
  const ordered = [...pool].sort((a, b) => inLanguage(a) - inLanguage(b));
  let passing = ordered.filter((a) => a.confidence >= input.minConfidence);
  const chosen = requestedArticle(pool, input.options, cited);
  if (chosen) return [chosen];
  if (input.options.nextBest && input.previous) {
    const used = new Set(cited.map((c) => c.articleId));
    const fresh = passing.filter((a) => !used.has(a.articleId));
    // Another grounded article when there is one; else the same article(s), other sentences.
    if (fresh.length) passing = fresh;
  } else if (ordered[0] && ordered[0].confidence < input.minConfidence) {
    // The answer is the best-ranked article's to give: when it fails the gate, a lower-ranked one
    // that passes was, on both evaluation sets, an off-topic question's chance match or the wrong
    // article (gating every candidate: bitext abstained 0.91 / top-1 0.685, ticket answers 0.865 /
    // 0.716; gating the best-ranked: 0.925 / 0.694 and 0.90 / 0.724).
    return [];
  }
  // A second article must clear a much higher bar on its own: within a fifth of the distance
  // from the gate to certainty (0.9 at the default 0.5). Runner-ups that merely pass the gate
  // were, on both evaluation sets, generic support text about something else.
  const second = passing[1];
  const secondBar = 1 - (1 - input.minConfidence) / 5;
  return second && second.confidence >= secondBar ? [passing[0]!, second] : passing.slice(0, 1);
}

type Cited = readonly { index: number; articleId: string }[];

/** The candidates less those "exclude source N" names (N: the previous version's citation). */
function withoutExcluded(
  articles: readonly ArticleCandidate[],
  options: RegenerateOptions,
  cited: Cited,
): ArticleCandidate[] {
  const excluded = new Set(
    options.exclude.map((n) => cited.find((c) => c.index === n)?.articleId).filter(Boolean),
  );
  return articles.filter((a) => !excluded.has(a.articleId));
}

/**
 * The article "use article N" names: the previous version's citation N, else the N-th ranked
 * candidate; null when nothing was asked or there is no such article (an excluded one included).
 */
function requestedArticle(
  pool: readonly ArticleCandidate[],
  options: RegenerateOptions,
  cited: Cited,
): ArticleCandidate | null {
  if (options.use === null) return null;
  const wanted =
    cited.find((c) => c.index === options.use)?.articleId ?? pool[options.use - 1]?.articleId;
  return pool.find((a) => a.articleId === wanted) ?? null;
}

/**
 * "use article N" when there is no article N: said back to the agent as not applied (the draft is
 * then the ordinary one), instead of being reported as applied.
 */
export function withUnavailableUse(
  articles: readonly ArticleCandidate[],
  options: RegenerateOptions,
  previous: Draft | null,
): RegenerateOptions {
  if (options.use === null) return options;
  const cited = previous?.citations ?? [];
  if (requestedArticle(withoutExcluded(articles, options, cited), options, cited)) return options;
  const label = `use article ${options.use}`;
  return {
    ...options,
    use: null,
    applied: options.applied.filter((a) => a !== label),
    ignored: [...options.ignored, `${label}: there is no article ${options.use} to use`],
  };
}

/** Everything a draft of this ticket is written from, read once per job. */
interface DraftContext {
  ticketId: string;
  messageId: string;
  chosen: ArticleCandidate[];
  frame: Parameters<typeof composeNoAnswer>[0];
  query: string;
  options: RegenerateOptions;
  previousDraft: Draft | null;
  instructions: string | null;
  best: ArticleCandidate | undefined;
  abstainReason: string;
  started: number;
}

/**
 * The draft step: retrieve and score candidate articles, gate them on the calibrated confidence,
 * write a reply (LLM when configured, with a retry and an extractive fallback when its guards
 * fail; else the extractive composer) or abstain, store it as pending approval with its
 * citations, confidence and reason, schedule the SLA check, and apply the auto-send policy.
 * With a model and a grounded article, the extractive draft is stored and shown at once
 * (`provisional`), the model's draft streams onto it (`llmPreview`, `draft.progress` events) and
 * then replaces it — unless an agent started on it meanwhile, which keeps it.
 * Running it twice for the same message is a no-op (or resumes an unfinished model draft).
 */
export async function draftReply(
  deps: DraftDeps,
  input: { ticketId: string; regenerateOf?: string },
): Promise<DraftOutcome> {
  const started = performance.now();
  // Ticket, messages, triage and newest draft in one round trip, read once for the whole step.
  const context = await loadTicketContext(deps.db, input.ticketId);
  if (!context) return { status: 'skipped', reason: 'no_ticket' };
  const { ticket, triage, messages } = context;
  if (ticket.automated) return { status: 'skipped', reason: 'automated' };
  if (triage && !triage.shouldDraft) return { status: 'skipped', reason: 'routing_says_no' };
  const customerMessages = messages.filter((m) => m.authorKind === 'customer');
  const latest = customerMessages.at(-1);
  if (!latest) return { status: 'skipped', reason: 'no_customer_message' };
  // Answered or solved while this job waited in the queue (an agent in the helpdesk, a reply by
  // hand, a solve): a draft now would only wait in the review queue until the SLA job retired it.
  const answered = messages
    .slice(messages.indexOf(latest) + 1)
    .some(
      (m) =>
        m.direction === 'outbound' &&
        m.public &&
        (m.authorKind === 'agent' || m.authorKind === 'ai'),
    );
  if (answered || ticket.status === 'solved' || ticket.status === 'closed') {
    return { status: 'skipped', reason: 'already_answered' };
  }

  let instructions: string | null = null;
  let previousDraft: Draft | null = null;
  // A stand-in still waiting for the model: a job that died while the model wrote left it.
  let resumed: Draft | null = null;
  const newest = context.latestDraft;
  const waitingForModel = newest?.provisional === true && newest.status === 'pending_approval';
  if (input.regenerateOf) {
    previousDraft = await getDraft(deps.db, input.regenerateOf);
    if (!previousDraft || previousDraft.ticketId !== ticket.id)
      return { status: 'skipped', reason: 'not_pending' };
    instructions = previousDraft.regenerationRequest;
    // A retried regenerate job finds its own result already there. A reply written by hand and
    // taken back with Undo is not that result: undo brought this draft back, to be regenerated.
    const withdrawnReply = newest?.kind === 'manual' && newest.status === 'withdrawn';
    if (newest && newest.version > previousDraft.version && !withdrawnReply) {
      if (!waitingForModel) return { status: 'skipped', reason: 'already_drafted' };
      resumed = newest;
    }
  } else if (newest && newest.messageId === latest.id) {
    if (!waitingForModel) return { status: 'skipped', reason: 'already_drafted' };
    resumed = newest;
  }
  const asked = parseInstructions(instructions);

  // Retrieval sees redacted text only: the query goes to the KB, never personal data.
  const latestText = latest.strippedText || latest.bodyText;
  const previousMessage = customerMessages.at(-2);
  const query = redactText(
    [
      ticket.subject,
      leadLine(ticket.subject, latestText),
      latestText,
      previousMessage
        ? (previousMessage.strippedText || previousMessage.bodyText).slice(0, 300)
        : '',
    ]
      .join('\n')
      .slice(0, 2_000),
  );
  // Cached while settings_version, read with the ticket, is unchanged.
  const settings = await deps.settings.at(context.settingsVersion);
  const languageText = `${ticket.subject ?? ''}\n${latestText}`;
  const { language } = await resolveReplyLanguage(deps.db, deps.config, {
    ticketId: ticket.id,
    ticketLanguage: ticket.language,
    requesterEmail: ticket.requesterEmail,
    text: languageText,
  });
  const candidates = await findCandidates(
    deps.db,
    query,
    {
      embedders: deps.embedders,
      embeddingModels: settings.embeddingModels,
      synonyms: deps.thesaurus,
      // KB_SPELLING: what the baseline's (English) sentences are read with.
      spelling: spellingFor(deps.config.KB_SPELLING),
    },
    {
      kbSignature: context.kbSignature,
      // This question's words are corrected only when it is English (query-spelling.ts).
      spelling: await querySpelling(deps.config, languageText, language),
      answered: deps.config.DRAFT_LEARN && context.hasLessons,
    },
  );
  const options = withUnavailableUse(candidates.articles, asked, previousDraft);
  const chosen = gateArticles(candidates.articles, {
    minConfidence: deps.config.DRAFT_MIN_CONFIDENCE,
    language,
    options,
    previous: previousDraft,
  });
  const signature = deps.config.DRAFT_SIGNATURE ?? `${deps.config.SUPPORT_NAME} team`;
  const best = candidates.articles[0];
  const ctx: DraftContext = {
    ticketId: ticket.id,
    messageId: latest.id,
    chosen,
    frame: {
      language,
      customerName: ticket.requesterName,
      signature,
      formal: options.formal ?? false,
    },
    query,
    options,
    previousDraft,
    instructions,
    best,
    abstainReason: best
      ? `No knowledge-base article answers this with enough confidence (best: "${best.passages[0]!.title}" at ${best.confidence.toFixed(2)}, threshold ${deps.config.DRAFT_MIN_CONFIDENCE.toFixed(2)}).`
      : 'The knowledge base has nothing matching this question.',
    started,
  };
  const slaDueAt = draftDueSql(deps.config, {
    ticketId: ticket.id,
    ticketCreatedAt: ticket.createdAt,
    message: latest,
    policy: triage?.slaPolicy ?? null,
    priority: triage?.priority ?? 'normal',
  });
  const store = (
    db: Db,
    values: DraftValues,
    interactions: Interaction[],
    failed: DraftValues[] = [],
  ) =>
    storeDraft(
      deps,
      db,
      { ticketId: ticket.id, regenerateOf: input.regenerateOf, slaDueAt },
      {
        values: withRegeneration(ctx, values),
        interactions,
        failedAttempts: failed,
      },
    );

  const generator = deps.models.draftLlm;
  // The gate comes first: no grounded passage, no LLM call.
  if (!generator || chosen.length === 0) {
    const composed = await composeFromArticles(deps, ctx);
    const { values, interaction } = extractiveDraft(ctx, composed, {
      llmFailure: null,
      failedAttempts: [],
    });
    const draft = await store(deps.db, values, [interaction]);
    await maybeAutoSend(deps, draft, { ticket, triage, policies: settings.autoSendPolicies });
    return { status: 'drafted', draft };
  }

  // The extractive draft goes to the inbox at once; the model's replaces it when ready.
  let composed: ComposedDraft;
  let standIn: Draft;
  if (resumed) {
    standIn = resumed;
    composed = {
      kind: resumed.kind === 'no_answer' ? 'no_answer' : 'extractive',
      text: resumed.bodyText,
      citations: resumed.citations,
      quoted: [],
    };
  } else {
    composed = await composeFromArticles(deps, ctx);
    const { values, interaction } = extractiveDraft(ctx, composed, {
      llmFailure: null,
      failedAttempts: [],
    });
    standIn = await store(
      deps.db,
      {
        ...values,
        provisional: true,
        reason: values.reason ?? 'The model is writing its draft: it replaces this one when ready.',
      },
      [noted(interaction, { provisional: true })],
    );
  }

  const preview = previewWriter(deps, standIn);
  const customerText = customerMessages.map((m) => m.bodyText).join('\n');
  const llm = await draftWithModel(deps, generator, ctx, {
    signature,
    customerText,
    history: messages.filter((m) => m.public),
    onAttempt: preview.restart,
    onText: preview.append,
  });
  await preview.stop();

  let values = llm.values;
  const interactions = llm.interactions;
  if (!values) {
    const fallback = extractiveDraft(ctx, composed, {
      llmFailure: llm.failure,
      failedAttempts: llm.failedAttempts,
    });
    values = fallback.values;
    interactions.push(fallback.interaction);
  }
  const resolved = await withTransaction(deps.db, async (tx) => {
    // Untouched since it was stored (lock version 0: no claim, edit or decision): replaced.
    // Superseded meanwhile (a retried job, a newer message): nothing left to do. Otherwise an
    // agent started on it and keeps it; the model's draft goes to the audit log only.
    const current = await lockDraft(tx, standIn.id);
    const untouched =
      current !== null && current.status === 'pending_approval' && current.lockVersion === 0;
    const replacedMeanwhile = current === null || current.status === 'superseded';
    await resolveStandIn(tx, standIn.id, { replaced: untouched || replacedMeanwhile });
    if (untouched) return { draft: await store(tx, values, interactions, llm.failedAttempts) };
    const discarded = replacedMeanwhile
      ? 'the extractive draft was replaced meanwhile'
      : current.status === 'pending_approval'
        ? 'an agent started on the extractive draft'
        : `the extractive draft was ${current.status.replace('_', ' ')} meanwhile`;
    await aiInteractionsInsert(
      tx,
      interactions.map((i) => noted(i, { discarded })),
    );
    return { draft: null, replacedMeanwhile };
  });
  for (const interaction of interactions) observeModelCall(deps.observability, interaction);
  const replacement = resolved.draft;
  if (!replacement) {
    if (resolved.replacedMeanwhile) return { status: 'skipped', reason: 'already_drafted' };
    const kept = await getDraft(deps.db, standIn.id);
    return { status: 'drafted', draft: kept ?? standIn };
  }
  await maybeAutoSend(deps, replacement, {
    ticket,
    triage,
    policies: settings.autoSendPolicies,
  });
  return { status: 'drafted', draft: replacement };
}

/** The audit row with more said in its output (the draft step's outputs are objects). */
function noted(interaction: Interaction, extra: Record<string, unknown>): Interaction {
  return { ...interaction, output: { ...(interaction.output as object), ...extra } };
}

/** What a regeneration did, the abstention reason and the step's latency, as stored. */
function withRegeneration(ctx: DraftContext, values: DraftValues): DraftValues {
  const previous = ctx.previousDraft;
  const regeneration: RegenerationResult | null = previous
    ? {
        applied: ctx.options.applied,
        ignored: ctx.options.ignored,
        unchanged: values.bodyText.trim() === previous.bodyText.trim(),
      }
    : null;
  return {
    ...values,
    reason: !values.reason && values.state === 'abstained' ? ctx.abstainReason : values.reason,
    regeneration,
    latencyMs: Math.round(performance.now() - ctx.started),
  };
}

/** The extractive composer's draft from the gated articles (or the no-answer reply). */
async function composeFromArticles(deps: DraftDeps, ctx: DraftContext): Promise<ComposedDraft> {
  const sources: SourceArticle[] = [];
  for (const article of ctx.chosen) {
    sources.push({
      passage: article.passages[0]!,
      units: await unitsOfArticle(deps.db, article.passages[0]!),
      confidence: article.confidence,
    });
  }
  const previous = ctx.previousDraft;
  const avoid =
    ctx.options.nextBest && previous
      ? new Set(
          sources.flatMap((s) =>
            s.units.filter((u) => previous.bodyText.includes(u.text)).map((u) => u.text),
          ),
        )
      : undefined;
  return sources.length > 0
    ? composeExtractive({
        ...ctx.frame,
        query: ctx.query,
        articles: sources,
        maxWords: wordBudget(deps.config.DRAFT_MAX_WORDS, ctx.options, previous),
        avoid,
      })
    : composeNoAnswer(ctx.frame);
}

/** The draft values and audit row of an extractive draft, as such or as the LLM's fallback. */
function extractiveDraft(
  ctx: DraftContext,
  composed: ComposedDraft,
  llm: { llmFailure: string | null; failedAttempts: DraftValues[] },
): { values: DraftValues; interaction: Interaction } {
  const { llmFailure, failedAttempts } = llm;
  const fellBack = failedAttempts.length > 0 || llmFailure !== null;
  const flags: GuardFlag[] = [];
  if (llmFailure) flags.push('llm_failed');
  if (failedAttempts.length > 0) flags.push('llm_fallback');
  const abstained = composed.kind === 'no_answer';
  const failedFlags = [...new Set(failedAttempts.flatMap((a) => a.guardFlags ?? []))];
  const confidence = ctx.chosen[0]?.confidence ?? ctx.best?.confidence ?? 0;
  // The article was chosen by what the team answered before (kb/answered.ts), not by search alone.
  const taught = ctx.chosen[0]?.answered;
  const learned =
    taught && taught.confidence >= confidence
      ? `${LEARNED_REASON} (${Math.round(taught.similarity * 100)}% alike).`
      : null;
  const values: DraftValues = {
    messageId: ctx.messageId,
    kind: composed.kind,
    bodyText: composed.text,
    citations: composed.citations,
    // Rejected as a wrong answer, the draft forgets the lesson that chose its article.
    answeredQuestionId: learned && !abstained ? taught!.questionId : null,
    model: 'extractive-v2',
    promptVersion: null,
    confidence,
    latencyMs: 0,
    guardFlags: flags,
    needsHuman: abstained || flags.length > 0,
    instructions: ctx.instructions,
    state: abstained ? 'abstained' : 'answered',
    language: ctx.frame.language,
    reason: abstained
      ? ctx.chosen.length > 0
        ? 'Nothing new to quote: every grounded sentence was used by the previous version.'
        : ctx.abstainReason
      : fellBack
        ? failedAttempts.length > 0
          ? `The model's draft failed its checks twice (${failedFlags.join(', ')}); this is the extractive draft. The attempt is in the version history.`
          : `The model failed (${llmFailure}); this is the extractive draft.`
        : learned,
  };
  const interaction: Interaction = {
    ticketId: ctx.ticketId,
    step: 'draft.extractive',
    model: 'extractive-v2',
    promptVersion: null,
    inputRefs: {
      messageId: ctx.messageId,
      chunks: composed.citations.map((c) => c.chunkId),
      ...(taught ? { answeredQuestion: taught.questionId } : {}),
      articles: [
        ...new Set(
          composed.citations.flatMap((c) => (c.externalId === undefined ? [] : [c.externalId])),
        ),
      ],
    },
    output: {
      kind: composed.kind,
      citations: composed.citations.length,
      confidence,
      llmFailure,
      fallbackFrom: failedFlags,
    },
    latencyMs: Math.round(performance.now() - ctx.started),
  };
  return { values, interaction };
}

/**
 * Up to two model attempts: the first whose draft passes every guard (or abstains) is the draft;
 * one that fails a guard is kept as a superseded version and retried once with the reason; an
 * error or a cut-short generation ends the attempts (`failure`). No `values`: fall back.
 */
async function draftWithModel(
  deps: DraftDeps,
  generator: NonNullable<DraftDeps['models']['draftLlm']>,
  ctx: DraftContext,
  input: {
    signature: string;
    customerText: string;
    history: Parameters<typeof draftWithLlm>[1]['history'];
    onAttempt: () => void;
    onText: (chunk: string) => void;
  },
): Promise<{
  values?: DraftValues;
  failedAttempts: DraftValues[];
  interactions: Interaction[];
  failure: string | null;
}> {
  const interactions: Interaction[] = [];
  const failedAttempts: DraftValues[] = [];
  const passages = ctx.chosen.flatMap((a) => a.passages);
  const language = ctx.frame.language;
  let retryNote: string | null = null;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      input.onAttempt();
      const llm = await draftWithLlm(generator, {
        brand: deps.config.BRAND_NAME,
        tone: deps.config.DRAFT_TONE,
        signature: input.signature,
        language,
        instructions: [ctx.instructions, retryNote].filter(Boolean).join('\n') || null,
        passages,
        history: input.history,
        onText: input.onText,
      });
      const cutShort = llm.result.finishReason;
      if (cutShort === 'timeout' || cutShort === 'aborted') {
        // Whatever the model wrote before its deadline is half a reply (often nothing).
        throw new Error(`generation ${cutShort} after ${llm.result.latencyMs} ms`);
      }
      const used = passages.slice(0, llm.passagesUsed);
      const text = llm.result.text.trim();
      const abstained = /^\W*NO_ANSWER\b/i.test(text);
      const flags: GuardFlag[] = abstained
        ? []
        : await checkDraft({
            text,
            passageCount: used.length,
            passagesText: used.map((p) => `${p.title}\n${p.text}`).join('\n'),
            systemPrompt: llm.systemPrompt,
            customerText: input.customerText,
            language,
            finishReason: llm.result.finishReason,
          });
      interactions.push({
        ticketId: ctx.ticketId,
        step: 'draft.generate',
        model: generator.name,
        promptVersion: llm.promptVersion,
        inputRefs: {
          messageId: ctx.messageId,
          chunks: used.map((p) => p.chunkId),
          // The articles as the team knows them: the ids of their own import (JSONL id, file
          // path, Help Center id), as citations show them.
          articles: [...new Set(used.map((p) => p.externalId))],
          historyMessages: llm.historyUsed,
          attempt,
        },
        output: {
          finishReason: llm.result.finishReason,
          guardFlags: flags,
          abstained,
          chars: text.length,
        },
        latencyMs: llm.result.latencyMs,
        promptTokens: llm.result.promptTokens,
        completionTokens: llm.result.completionTokens,
      });
      const cited = new Set([...text.matchAll(/\[(\d{1,2})\]/g)].map((m) => Number(m[1])));
      const attemptValues: DraftValues = {
        messageId: ctx.messageId,
        kind: 'llm',
        bodyText: text,
        citations: toCitations(used).filter((c) => cited.has(c.index)),
        model: generator.name,
        promptVersion: llm.promptVersion,
        confidence: ctx.chosen[0]!.confidence,
        latencyMs: llm.result.latencyMs,
        guardFlags: flags,
        needsHuman: flags.length > 0,
        instructions: ctx.instructions,
        state: 'answered',
        language,
      };
      if (abstained) {
        const composed = composeNoAnswer(ctx.frame);
        const why = text.replace(/^\W*NO_ANSWER\W*/i, '').slice(0, 200);
        const values: DraftValues = {
          ...attemptValues,
          kind: 'no_answer',
          bodyText: composed.text,
          citations: [],
          state: 'abstained',
          needsHuman: true,
          reason: `The model found no answer in the passages${why ? `: ${why}` : '.'}`,
        };
        return { values, failedAttempts, interactions, failure: null };
      }
      if (flags.length === 0) {
        return { values: attemptValues, failedAttempts, interactions, failure: null };
      }
      // Never the draft to approve: kept in the history, retried once with the reason.
      failedAttempts.push({ ...attemptValues, status: 'superseded', needsHuman: true });
      retryNote = `- Your previous reply was rejected by our checks (${flags.join(', ')}). Cite every statement as [n] with the passage numbers above, finish your sentences, and stay short.`;
    } catch (err) {
      const failure = err instanceof Error ? err.message : String(err);
      deps.log.warn({ ticketId: ctx.ticketId, err: failure }, 'LLM drafting failed');
      return { failedAttempts, interactions, failure };
    }
  }
  return { failedAttempts, interactions, failure: null };
}

/** How often the model's text so far is written to the stand-in and announced to open pages. */
const PREVIEW_INTERVAL_MS = 250;

/**
 * Streams the model's draft onto its stand-in, throttled: at most one write (and one ids-only
 * `draft.progress` event) per PREVIEW_INTERVAL_MS, so a fast model costs a few statements a
 * second, not one per token. The text lives in Postgres like every draft; pages read it there.
 */
function previewWriter(deps: DraftDeps, standIn: Draft) {
  let text = '';
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    timer = undefined;
    const snapshot = text;
    writing = writing
      .then(async () => {
        if (await setDraftPreview(deps.db, standIn.id, snapshot)) {
          await deps.live.publish({
            type: 'draft.progress',
            draftId: standIn.id,
            ticketId: standIn.ticketId,
            chars: snapshot.length,
          });
        }
      })
      .catch((err: Error) => deps.log.debug({ err: err.message }, 'draft preview not written'));
  };
  const schedule = () => {
    timer ??= setTimeout(flush, PREVIEW_INTERVAL_MS);
  };
  return {
    /** A new attempt starts from nothing. */
    restart: () => {
      text = '';
    },
    append: (chunk: string) => {
      text += chunk;
      schedule();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await writing;
    },
  };
}

/**
 * Writes the draft with its failed model attempts (superseded versions before it), its audit
 * rows, `drafted` event and SLA job, and announces it once committed.
 */
async function storeDraft(
  deps: DraftDeps,
  db: Db,
  where: { ticketId: string; regenerateOf: string | undefined; slaDueAt: SQL },
  what: { values: DraftValues; interactions: Interaction[]; failedAttempts: DraftValues[] },
): Promise<Draft> {
  const { ticketId, slaDueAt } = where;
  const write = async (db: Db) => {
    for (const attempt of what.failedAttempts) {
      await insertDraft(db, { ...attempt, ticketId, slaDueAt: sql`(${slaDueAt})` });
    }
    // The draft, its audit rows, `drafted` event and SLA job: one statement.
    const row = await insertDraftWithBookkeeping(
      db,
      { ...what.values, ticketId },
      {
        slaDueAt,
        interactions: what.interactions,
        eventData: {
          regenerateOf: where.regenerateOf ?? null,
          failedLlmAttempts: what.failedAttempts.length,
          unchanged: what.values.regeneration?.unchanged ?? null,
          ...(what.values.provisional ? { provisional: true } : {}),
        },
      },
    );
    // The SLA job is the statement's only outbox row and is delayed until the draft is due, so
    // it does not wake the relay: the next pass (the next commit's kick, at the latest the relay's
    // poll, OUTBOX_POLL_MS) takes it along. A pass of its own per draft was three statements.
    afterCommit(db, () =>
      deps.live.publish({ type: 'draft.created', draftId: row.id, ticketId: row.ticketId }),
    );
    return row;
  };
  // A single statement is atomic on its own; failed LLM attempts add rows before it.
  return what.failedAttempts.length > 0 ? withTransaction(db, write) : write(db);
}
