import { getDraft, insertDraft, latestDraftForTicket } from '../../db/queries/drafts.js';
import { enqueueOutbox } from '../../db/queries/outbox.js';
import { getTicket, listMessages, recordTicketEvent } from '../../db/queries/tickets.js';
import { getTriage, insertAiInteraction } from '../../db/queries/triage.js';
import type { Draft } from '../../db/schema/drafts.js';
import { afterCommit, withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { type Passage, searchKnowledgeBase } from '../../kb/search.js';
import { observeModelCall } from '../../observability/prometheus.js';
import { redactText } from '../../privacy/redact.js';
import { maybeAutoSend } from '../review/auto-send.js';
import { draftDueAt } from '../review/sla.js';
import { composeExtractive, toCitations } from './extractive.js';
import { checkDraft, type GuardFlag } from './guards.js';
import { draftWithLlm } from './llm.js';

export type DraftDeps = Pick<
  Deps,
  'db' | 'config' | 'log' | 'embedders' | 'thesaurus' | 'models' | 'observability' | 'live'
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
        | 'not_pending';
    };

export function isRelevant(passage: Passage, config: DraftDeps['config']): boolean {
  return (
    (passage.scores.lexical ?? 0) >= config.DRAFT_MIN_BM25 ||
    (passage.scores.vector ?? -1) >= config.DRAFT_MIN_COSINE
  );
}

/**
 * The draft step: retrieve passages for the ticket, write a reply (LLM when configured, else the
 * extractive composer), guard it, store it as pending approval with its citations, schedule the
 * SLA check, and apply the auto-send policy. Running it twice for the same message is a no-op.
 */
export async function draftReply(
  deps: DraftDeps,
  input: { ticketId: string; regenerateOf?: string },
): Promise<DraftOutcome> {
  const ticket = await getTicket(deps.db, input.ticketId);
  if (!ticket) return { status: 'skipped', reason: 'no_ticket' };
  if (ticket.automated) return { status: 'skipped', reason: 'automated' };
  const triage = await getTriage(deps.db, ticket.id);
  if (triage && !triage.shouldDraft) return { status: 'skipped', reason: 'routing_says_no' };
  const messages = await listMessages(deps.db, ticket.id);
  const customerMessages = messages.filter((m) => m.authorKind === 'customer');
  const latest = customerMessages.at(-1);
  if (!latest) return { status: 'skipped', reason: 'no_customer_message' };

  let instructions: string | null = null;
  if (input.regenerateOf) {
    const previous = await getDraft(deps.db, input.regenerateOf);
    if (!previous || previous.ticketId !== ticket.id)
      return { status: 'skipped', reason: 'not_pending' };
    instructions = previous.regenerationRequest;
    const newest = await latestDraftForTicket(deps.db, ticket.id);
    // A retried regenerate job finds its own result already there.
    if (newest && newest.version > previous.version)
      return { status: 'skipped', reason: 'already_drafted' };
  } else {
    const newest = await latestDraftForTicket(deps.db, ticket.id);
    if (newest && newest.messageId === latest.id)
      return { status: 'skipped', reason: 'already_drafted' };
  }

  // Retrieval sees redacted text only: the query goes to the KB, never personal data.
  const previous = customerMessages.at(-2);
  const query = redactText(
    [
      ticket.subject,
      latest.strippedText || latest.bodyText,
      previous ? (previous.strippedText || previous.bodyText).slice(0, 300) : '',
    ]
      .join('\n')
      .slice(0, 2_000),
  );
  const search = await searchKnowledgeBase(
    deps.db,
    { query, limit: 6, perArticle: 2 },
    { embedders: deps.embedders, synonyms: deps.thesaurus },
  );
  const passages = search.passages.filter((p) => isRelevant(p, deps.config));
  const language = ticket.language ?? triage?.language ?? null;
  const signature = deps.config.DRAFT_SIGNATURE ?? `${deps.config.SUPPORT_NAME} team`;

  let values: Omit<Parameters<typeof insertDraft>[1], 'ticketId'> | undefined;
  let interaction: Parameters<typeof insertAiInteraction>[1] | null = null;
  const generator = deps.models.draftLlm;
  let llmFailure: string | null = null;
  if (generator && passages.length > 0) {
    try {
      const llm = await draftWithLlm(generator, {
        brand: deps.config.BRAND_NAME,
        tone: deps.config.DRAFT_TONE,
        signature,
        language,
        instructions,
        passages,
        history: messages.filter((m) => m.public),
      });
      const cutShort = llm.result.finishReason;
      if (cutShort === 'timeout' || cutShort === 'aborted') {
        // Whatever the model wrote before its deadline is half a reply (often nothing): the agent
        // gets the extractive draft instead, flagged like any other model failure.
        throw new Error(`generation ${cutShort} after ${llm.result.latencyMs} ms`);
      }
      const used = passages.slice(0, llm.passagesUsed);
      const flags: GuardFlag[] = checkDraft({
        text: llm.result.text,
        passageCount: used.length,
        passagesText: used.map((p) => `${p.title}\n${p.text}`).join('\n'),
        systemPrompt: llm.systemPrompt,
        customerText: customerMessages.map((m) => m.bodyText).join('\n'),
        language,
        finishReason: llm.result.finishReason,
      });
      const citedIndexes = new Set(
        [...llm.result.text.matchAll(/\[(\d{1,2})\]/g)].map((m) => Number(m[1])),
      );
      values = {
        messageId: latest.id,
        kind: 'llm',
        bodyText: llm.result.text.trim(),
        citations: toCitations(used).filter((c) => citedIndexes.has(c.index)),
        model: generator.name,
        promptVersion: llm.promptVersion,
        confidence: flags.length ? 0 : Math.min(1, used[0]?.score ?? 0),
        latencyMs: llm.result.latencyMs,
        guardFlags: flags,
        needsHuman: flags.length > 0,
        instructions,
      };
      interaction = {
        ticketId: ticket.id,
        step: 'draft.generate',
        model: generator.name,
        promptVersion: llm.promptVersion,
        inputRefs: {
          messageId: latest.id,
          chunks: used.map((p) => p.chunkId),
          historyMessages: llm.historyUsed,
        },
        output: {
          finishReason: llm.result.finishReason,
          guardFlags: flags,
          chars: llm.result.text.length,
        },
        latencyMs: llm.result.latencyMs,
        promptTokens: llm.result.promptTokens,
        completionTokens: llm.result.completionTokens,
      };
    } catch (err) {
      // Model load failure or a crash in generation: fall back to the extractive draft, flagged.
      llmFailure = err instanceof Error ? err.message : String(err);
      deps.log.warn(
        { ticketId: ticket.id, err: llmFailure },
        'LLM drafting failed; using extractive',
      );
    }
  }
  if (!values) {
    const started = performance.now();
    const composed = composeExtractive({
      passages,
      language,
      customerName: ticket.requesterName,
      signature,
    });
    const flags = llmFailure ? ['llm_failed'] : [];
    interaction = {
      ticketId: ticket.id,
      step: 'draft.extractive',
      model: 'extractive-v1',
      promptVersion: null,
      inputRefs: { messageId: latest.id, chunks: composed.citations.map((c) => c.chunkId) },
      output: { kind: composed.kind, citations: composed.citations.length, llmFailure },
      latencyMs: Math.round(performance.now() - started + search.timings.totalMs),
    };
    values = {
      messageId: latest.id,
      kind: composed.kind,
      bodyText: composed.text,
      citations: composed.citations,
      model: 'extractive-v1',
      promptVersion: null,
      confidence: composed.confidence,
      latencyMs: Math.round(search.timings.totalMs),
      guardFlags: flags,
      needsHuman: composed.kind === 'no_answer' || flags.length > 0,
      instructions,
    };
  }
  const draftValues = values;

  const slaDueAt = await draftDueAt(deps.db, deps.config, {
    ticketId: ticket.id,
    ticketCreatedAt: ticket.createdAt,
    message: latest,
    policy: triage?.slaPolicy ?? null,
    priority: triage?.priority ?? 'normal',
  });
  const draft = await withTransaction(deps.db, async (tx) => {
    const row = await insertDraft(tx, { ...draftValues, ticketId: ticket.id, slaDueAt });
    if (interaction) {
      await insertAiInteraction(tx, interaction);
      observeModelCall(deps.observability, interaction);
    }
    await recordTicketEvent(tx, {
      ticketId: ticket.id,
      type: 'drafted',
      actorKind: 'ai',
      data: {
        draftId: row.id,
        regenerateOf: input.regenerateOf ?? null,
        version: row.version,
        kind: row.kind,
        model: row.model,
        citations: row.citations.length,
        guardFlags: row.guardFlags,
      },
    });
    await enqueueOutbox(
      tx,
      'sla',
      { draftId: row.id },
      { delayMs: Math.max(0, slaDueAt.getTime() - Date.now()) },
    );
    afterCommit(tx, () =>
      deps.live.publish({ type: 'draft.created', draftId: row.id, ticketId: row.ticketId }),
    );
    return row;
  });
  await maybeAutoSend(deps, draft);
  return { status: 'drafted', draft };
}
