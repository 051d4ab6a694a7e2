import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Draft } from '../../db/schema/drafts.js';
import { kbArticles } from '../../db/schema/kb-articles.js';
import { acceptDelivery } from '../../ingest/intake.js';
import { recordAnsweredQuestion } from '../../kb/answered.js';
import { normalizeLanguage, textConfigFor } from '../../kb/language.js';
import { redactText } from '../../privacy/redact.js';
import { detectLanguage, LANGUAGE_CLEAR_MARGIN } from '../language.js';
import { type TriageDeps, triageTicket } from '../triage/triage.js';
import { type DraftDeps, draftReply } from './draft.js';
import { phrasesLanguage } from './i18n.js';
import { draftBody, draftOutcome } from './outcome.js';

/**
 * One evaluation ticket: the `eval:retrieval` query format, where `relevant: []` marks a question
 * the knowledge base cannot answer; `language` is the language the reply should greet in and
 * `reference` an agent's real answer (shown in the report).
 */
export const draftEvalTicketSchema = z.object({
  query: z.string().min(1),
  relevant: z.array(z.union([z.string(), z.number()]).transform(String)),
  language: z.string().nullish(),
  reference: z.string().nullish(),
});
export type DraftEvalTicket = z.infer<typeof draftEvalTicketSchema>;

export function parseDraftEvalTickets(text: string): DraftEvalTicket[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), i }))
    .filter(({ line }) => line)
    .map(({ line, i }) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (err) {
        throw new Error(`tickets line ${i + 1}: invalid JSON (${(err as Error).message})`);
      }
      const parsed = draftEvalTicketSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `tickets line ${i + 1}: ${issue?.path.join('.') || '(line)'}: ${issue?.message}`,
        );
      }
      return parsed.data;
    });
}

export interface DraftEvalRow {
  query: string;
  relevant: string[];
  /** null: the ticket has no `language` field and is clearly not in the KB's language. */
  expectedLanguage: string | null;
  reference: string | null;
  outcome: 'answered' | 'abstained' | 'skipped';
  text: string;
  cited: string[];
  confidence: number;
  reason: string | null;
  words: number;
  fragments: string[];
  greetingLanguage: string | null;
  fallback: boolean;
  ms: number;
}

export interface DraftEvalMetrics {
  /** With `learn`: lessons recorded during the replay (one per on-topic ticket drafted). */
  lessons?: number;
  answered: number;
  abstainedOffTopic: number;
  top1Citation: number;
  anyCitation: number;
  medianWords: number;
  fragmentRate: number;
  wrongLanguageRate: number;
  p50Ms: number;
  p95Ms: number;
  n: number;
  onTopic: number;
  offTopic: number;
  generator: string;
  llmFallbackRate?: number;
}

const round = (n: number, digits = 4) => Number(n.toFixed(digits));
const share = (num: number, den: number) => (den > 0 ? round(num / den) : 0);

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

const normalise = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Quoted units of a draft body that are cut: the text before each citation marker must be found in
 * the cited article and end where a sentence (or a line: a list item, a heading) of it ends. An
 * ellipsis the composer added is a cut by definition.
 */
export function cutQuotes(body: string, sources: ReadonlyMap<number, string>): string[] {
  const cut: string[] = [];
  const parts = body.split(/(\[\d{1,2}\])/);
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const marker = Number(parts[i + 1]!.slice(1, -1));
    const quote = normalise(parts[i]!.replace(/^\s*(?:[-*•]|\d+[.)])\s+/gm, ''));
    if (!quote) continue;
    if (/…$|\.\.\.$/.test(quote)) {
      cut.push(quote);
      continue;
    }
    const source = sources.get(marker);
    if (!source) continue;
    // The last line of the unit is the one that must end as its source ends.
    const lastLine = normalise(
      parts[i]!.trim()
        .split('\n')
        .at(-1)!
        .replace(/^\s*(?:[-*•]|\d+[.)])\s+/, ''),
    );
    const lines = source.split('\n').map(normalise);
    const endsLine = lines.some((l) => l.endsWith(lastLine));
    const endsSentence = /[.!?。！？:;)"'»”]$/.test(lastLine);
    const flat = normalise(source);
    const at = flat.indexOf(lastLine);
    const found = at >= 0;
    if (!found) continue; // paraphrase (LLM): not a quote
    if (!endsLine && !endsSentence) cut.push(lastLine);
  }
  return cut;
}

async function articleTexts(
  db: Db,
  ids: string[],
): Promise<Map<string, { externalId: string; text: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: kbArticles.id, externalId: kbArticles.externalId, body: kbArticles.body })
    .from(kbArticles)
    .where(inArray(kbArticles.id, ids));
  return new Map(rows.map((r) => [r.id, { externalId: r.externalId, text: r.body }]));
}

export type DraftEvalDeps = DraftDeps & TriageDeps;

/**
 * The language a ticket's draft must greet in (#20's `wrongLanguageRate`): the ticket's `language`
 * field; without it, the knowledge base's language when the ticket is in that language. A ticket
 * without the field that is clearly written in another language has none (null: not counted):
 * which language it should be answered in is what the field is for. A short ticket too unclear to
 * read stays expected in the KB's language.
 */
export async function expectedGreetingLanguage(
  ticket: Pick<DraftEvalTicket, 'query' | 'language'>,
  kbLanguage: string,
): Promise<string | null> {
  if (ticket.language) return normalizeLanguage(ticket.language);
  const reading = await detectLanguage(ticket.query, undefined, LANGUAGE_CLEAR_MARGIN);
  return reading === null || reading === kbLanguage ? kbLanguage : null;
}

/**
 * Runs every ticket through intake, triage and the draft step exactly as a webhook's jobs would
 * (minus the queue hop), and scores the drafts. `kbLanguage` is the expected greeting language of
 * tickets without a `language` field.
 */
export async function runDraftEval(
  deps: DraftEvalDeps,
  tickets: readonly DraftEvalTicket[],
  options: {
    kbLanguage?: string;
    /**
     * Replay as a team would work: after each on-topic ticket's draft, its agent sends the
     * relevant article (approving the draft, or after "use article N"), which teaches drafting
     * the question (src/kb/answered.ts) before the next ticket comes in.
     */
    learn?: boolean;
  } = {},
): Promise<{ metrics: DraftEvalMetrics; rows: DraftEvalRow[] }> {
  const rows: DraftEvalRow[] = [];
  let lessons = 0;
  for (const [i, t] of tickets.entries()) {
    const accepted = await acceptDelivery(deps.db, {
      source: 'api',
      dedupeKey: `eval:${randomUUID()}`,
      eventType: 'eval.ticket',
      signature: { scheme: 'none' },
      ticket: {
        externalId: `eval-${i}`,
        channel: 'api',
        requesterEmail: `customer${i}@example.com`,
      },
      message: { authorKind: 'customer', bodyText: t.query, public: true },
    });
    const ticketId = accepted.ticketId!;
    const started = performance.now();
    await triageTicket(deps, { ticketId });
    const outcome = await draftReply(deps, { ticketId });
    const ms = performance.now() - started;
    const draft: Draft | null = outcome.status === 'drafted' ? outcome.draft : null;
    const expectedLanguage = await expectedGreetingLanguage(t, options.kbLanguage ?? 'en');
    if (!draft) {
      rows.push({
        query: t.query,
        relevant: t.relevant,
        expectedLanguage,
        reference: t.reference ?? null,
        outcome: 'skipped',
        text: '',
        cited: [],
        confidence: 0,
        reason: outcome.status === 'skipped' ? outcome.reason : null,
        words: 0,
        fragments: [],
        greetingLanguage: null,
        fallback: false,
        ms,
      });
      continue;
    }
    const articles = await articleTexts(deps.db, [
      ...new Set(draft.citations.map((c) => c.articleId)),
    ]);
    const sources = new Map(
      draft.citations.map((c) => [c.index, articles.get(c.articleId)?.text ?? ''] as const),
    );
    const state = draftOutcome(draft);
    const body = draftBody(draft.bodyText);
    rows.push({
      query: t.query,
      relevant: t.relevant,
      expectedLanguage,
      reference: t.reference ?? null,
      outcome: state,
      text: draft.bodyText,
      cited: draft.citations.map((c) => articles.get(c.articleId)?.externalId ?? c.articleId),
      confidence: draft.confidence,
      reason: draft.reason,
      words: body.split(/\s+/).filter((w) => w && !/^\[\d{1,2}\]$/.test(w)).length,
      fragments: state === 'answered' ? cutQuotes(body, sources) : [],
      greetingLanguage: phrasesLanguage(draft.bodyText),
      fallback:
        draft.guardFlags.includes('llm_failed') || draft.guardFlags.includes('llm_fallback'),
      ms,
    });
    if (options.learn && t.relevant[0]) {
      if (await teachEvalAnswer(deps.db, { ticketId, draftId: draft.id }, t)) lessons += 1;
    }
  }
  const metrics = scoreDraftEval(rows, deps.models.draftLlm?.name ?? 'extractive');
  return { metrics: options.learn ? { ...metrics, lessons } : metrics, rows };
}

/** The lesson of an eval ticket whose agent sent its first relevant article (`learn`). */
async function teachEvalAnswer(
  db: Db,
  at: { ticketId: string; draftId: string },
  t: DraftEvalTicket,
): Promise<boolean> {
  const [article] = await db
    .select({ id: kbArticles.id, language: kbArticles.language })
    .from(kbArticles)
    .where(eq(kbArticles.externalId, t.relevant[0]!))
    .limit(1);
  if (!article) return false;
  return recordAnsweredQuestion(db, {
    articleId: article.id,
    ticketId: at.ticketId,
    draftId: at.draftId,
    textConfig: textConfigFor(article.language),
    question: redactText(t.query.slice(0, 2_000)),
    approvedBy: 'eval',
  });
}

export function scoreDraftEval(rows: readonly DraftEvalRow[], generator: string): DraftEvalMetrics {
  const on = rows.filter((r) => r.relevant.length > 0);
  const off = rows.filter((r) => r.relevant.length === 0);
  const answeredOn = on.filter((r) => r.outcome === 'answered');
  const answered = rows.filter((r) => r.outcome === 'answered');
  const drafted = rows.filter((r) => r.outcome !== 'skipped');
  const judged = drafted.filter((r) => r.expectedLanguage !== null);
  const words = answered.map((r) => r.words);
  const metrics: DraftEvalMetrics = {
    answered: share(answeredOn.length, on.length),
    abstainedOffTopic: share(off.filter((r) => r.outcome === 'abstained').length, off.length),
    top1Citation: share(
      answeredOn.filter((r) => r.cited[0] !== undefined && r.relevant.includes(r.cited[0])).length,
      answeredOn.length,
    ),
    anyCitation: share(
      answeredOn.filter((r) => r.cited.some((c) => r.relevant.includes(c))).length,
      answeredOn.length,
    ),
    medianWords: words.length ? percentile(words, 50) : 0,
    fragmentRate: share(answered.filter((r) => r.fragments.length > 0).length, answered.length),
    wrongLanguageRate: share(
      judged.filter((r) => r.greetingLanguage !== r.expectedLanguage).length,
      judged.length,
    ),
    p50Ms: round(
      percentile(
        rows.map((r) => r.ms),
        50,
      ),
      1,
    ),
    p95Ms: round(
      percentile(
        rows.map((r) => r.ms),
        95,
      ),
      1,
    ),
    n: rows.length,
    onTopic: on.length,
    offTopic: off.length,
    generator,
  };
  if (generator !== 'extractive') {
    metrics.llmFallbackRate = share(drafted.filter((r) => r.fallback).length, drafted.length);
  }
  return metrics;
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A side-by-side page for people to review: ticket, draft, citations, confidence, verdict. */
export function draftEvalReport(metrics: DraftEvalMetrics, rows: readonly DraftEvalRow[]): string {
  const verdict = (r: DraftEvalRow) => {
    const onTopic = r.relevant.length > 0;
    if (r.outcome === 'skipped') return 'skipped';
    // wrongLanguageRate counts every draft, an abstention's greeting included.
    if (r.expectedLanguage !== null && r.greetingLanguage !== r.expectedLanguage) {
      return 'WRONG LANGUAGE';
    }
    if (!onTopic) return r.outcome === 'abstained' ? 'ok: abstained' : 'WRONG: answered off-topic';
    if (r.outcome === 'abstained') return 'MISSED: abstained';
    if (r.fragments.length) return 'CUT SENTENCE';
    return r.relevant.includes(r.cited[0] ?? '') ? 'ok' : 'WRONG ARTICLE';
  };
  const body = rows
    .map(
      (r) => `<tr class="${verdict(r).startsWith('ok') ? 'ok' : 'bad'}">
<td><pre>${esc(r.query)}</pre>${r.reference ? `<details><summary>agent's answer</summary><pre>${esc(r.reference)}</pre></details>` : ''}<p>expects: ${esc(r.relevant.join(', ') || '(off-topic)')} · ${esc(r.expectedLanguage ?? 'language not counted')}</p></td>
<td><pre>${esc(r.text)}</pre></td>
<td>${esc(r.cited.join(', '))}</td>
<td>${r.confidence.toFixed(2)}${r.reason ? `<br>${esc(r.reason)}` : ''}</td>
<td>${esc(verdict(r))}<br>${r.words} words · ${Math.round(r.ms)} ms</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>eval:drafts</title>
<style>body{font:14px system-ui;margin:1rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top}pre{white-space:pre-wrap;margin:0}tr.bad td:last-child{background:#fde2e2}tr.ok td:last-child{background:#e2f5e2}</style></head>
<body><h1>eval:drafts</h1><pre>${esc(JSON.stringify(metrics, null, 2))}</pre>
<table><thead><tr><th>ticket</th><th>draft</th><th>cited</th><th>confidence / reason</th><th>verdict</th></tr></thead><tbody>
${body}
</tbody></table></body></html>`;
}
