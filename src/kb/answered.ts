import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/queries/kb.js';
import { knownTextConfigs } from './language.js';

/**
 * Answered questions: what the team taught drafting by approving drafts. When an agent approves a
 * draft that cites an article, the ticket's question (redacted, as retrieval read it) is kept
 * with that article (`kb_answered_questions`). A later question that says the same thing, in
 * the team's customers' own words ("rebate", "reclamation", "pwd") that no article uses, is
 * answered from the article the team chose. Retrieval alone cannot learn those words, and the
 * choice between two confusable articles ("Get invoice" / "Check invoice") is exactly what an
 * agent's approval settles.
 *
 * Similarity is the IDF-weighted Dice coefficient of the two questions' lexeme sets: the share
 * of both questions' word weight on words they share. IDF is the knowledge base's (a word no
 * article uses weighs most: it is what the lesson adds). Lexemes with digits (amounts, order
 * numbers) are left out, as they are from the lexical side's title cover.
 */

/** Lessons compared per question: the newest this many sharing a word with it. */
const NEIGHBOURS = 500;

/** The question's words (rarest first) a lesson must share one of to be compared. */
const PROBE_WORDS = 8;

/** A question shorter than this many words' weight teaches nothing (a greeting, "help"). */
const MIN_QUESTION_WEIGHT = 2;

export interface AnsweredQuestionInput {
  articleId: string;
  ticketId: string;
  draftId: string;
  /** The article's text-search configuration. */
  textConfig: string;
  /** Redacted question text (subject and message). */
  question: string;
  approvedBy: string | null;
}

/** The weighted lexemes of a question in one configuration, as a lesson keeps them. */
const analysed = (config: string, question: string) => sql`
  select t.lexeme,
    ln(1 + (greatest(coalesce(s.chunks, 0), 1) - d.df + 0.5) / (d.df + 0.5)) w
  from (
    select distinct t.lexeme
    from unnest(tsvector_to_array(to_tsvector(${config}::regconfig, ${question}))) t(lexeme)
    where t.lexeme !~ '[0-9]'
  ) t
  left join kb_corpus_stats s on s.text_config = ${config}
  cross join lateral (
    select count(*)::float8 df from kb_postings p
    where p.text_config = ${config} and p.lexeme = t.lexeme
  ) d`;

function checkedConfig(config: string): string {
  if (!knownTextConfigs.has(config)) throw new Error(`unknown text-search configuration ${config}`);
  return config;
}

/**
 * A question's lexemes and their weights in the knowledge base now, as `recordAnsweredQuestion`
 * would keep them (for scripts/fit-answered-confidence.ts; no lesson is written).
 */
export async function analyseQuestion(
  db: Db,
  config: string,
  question: string,
): Promise<{ lexemes: string[]; weights: number[] }> {
  const rows = await queryRows<{ lexeme: string; w: number }>(
    db,
    sql`select * from (${analysed(checkedConfig(config), question)}) a order by lexeme`,
  );
  return { lexemes: rows.map((r) => r.lexeme), weights: rows.map((r) => Number(r.w)) };
}

/**
 * Records a lesson: the question's lexemes in the article's configuration, each with its IDF in
 * the knowledge base now. One statement; a draft teaches once (`draft_id` is unique), an article
 * learns the same words once (the first lesson stays: 500 customers asking the same in an
 * incident teach one), and a question with too little to go on teaches nothing. Returns whether
 * a lesson was recorded.
 */
export async function recordAnsweredQuestion(
  db: Db,
  input: AnsweredQuestionInput,
): Promise<boolean> {
  const config = checkedConfig(input.textConfig);
  const question = input.question.slice(0, 1_000);
  const rows = await queryRows<{ id: string }>(
    db,
    sql`
      with w as (${analysed(config, question)})
      insert into kb_answered_questions
        (article_id, ticket_id, draft_id, text_config, question, lexemes, weights, approved_by,
         lexemes_key)
      select ${input.articleId}, ${input.ticketId}, ${input.draftId}, ${config},
        ${question}, array_agg(lexeme order by lexeme), array_agg(w order by lexeme),
        ${input.approvedBy}, md5(string_agg(lexeme, ' ' order by lexeme))
      from w
      having sum(w) >= ${MIN_QUESTION_WEIGHT}
      -- A draft teaches once, and an article learns the same words once (either conflict).
      on conflict do nothing
      returning id`,
  );
  return rows.length > 0;
}

/** A query lexeme with its IDF, in one text-search configuration. */
export interface WeightedTerm {
  config: string;
  lexeme: string;
  weight: number;
}

/** A lesson sharing at least one word with the question. */
export interface AnsweredHit {
  id: string;
  articleId: string;
  config: string;
  lexemes: string[];
  weights: number[];
}

/** The nearest lesson of one article. */
export interface AnsweredMatch {
  articleId: string;
  questionId: string;
  /** IDF-weighted Dice of the two questions' lexemes, in [0, 1]. */
  similarity: number;
}

/**
 * The question's lexemes (in every configuration the knowledge base uses) and the lessons that
 * share one, in one statement; nothing is read (not even the lexemes' IDF) while no lesson exists.
 */
export async function answeredHits(
  db: Db,
  query: string,
): Promise<{ terms: WeightedTerm[]; hits: AnsweredHit[] }> {
  const [row] = await queryRows<{ terms: WeightedTerm[] | null; hits: AnsweredHit[] | null }>(
    db,
    sql`
      with q as (
        select s.text_config config, t.lexeme,
          ln(1 + (greatest(s.chunks, 1) - d.df + 0.5) / (d.df + 0.5)) weight
        from kb_corpus_stats s,
          unnest(tsvector_to_array(to_tsvector(s.text_config::regconfig, ${query}))) t(lexeme)
          cross join lateral (
            select count(*)::float8 df from kb_postings p
            where p.text_config = s.text_config and p.lexeme = t.lexeme
          ) d
        where s.chunks > 0 and t.lexeme !~ '[0-9]'
          and exists (select 1 from kb_answered_questions)
      ),
      -- Lessons sharing one of the question's rarest words (a lesson sharing only common ones
      -- is far from it anyway): the index probe stays small however many lessons share "order".
      qa as (
        select config, (array_agg(lexeme order by weight desc, lexeme))[1:${PROBE_WORDS}] lexemes
        from q group by config
      ),
      h as (
        select a.id, a.article_id "articleId", a.text_config config, a.lexemes, a.weights
        from qa
        join kb_answered_questions a on a.text_config = qa.config and a.lexemes && qa.lexemes
        order by a.created_at desc
        limit ${NEIGHBOURS}
      )
      select (select json_agg(q) from q) terms, (select json_agg(h) from h) hits`,
  );
  return { terms: row?.terms ?? [], hits: row?.hits ?? [] };
}

/**
 * Each article's nearest lesson, best first. Pure: the weighted Dice of the question's terms
 * and each lesson's, within the lesson's configuration.
 */
export function nearestAnswered(
  terms: readonly WeightedTerm[],
  hits: readonly AnsweredHit[],
): AnsweredMatch[] {
  const byConfig = new Map<string, Map<string, number>>();
  for (const t of terms) {
    const m = byConfig.get(t.config) ?? new Map<string, number>();
    m.set(t.lexeme, t.weight);
    byConfig.set(t.config, m);
  }
  const best = new Map<string, AnsweredMatch>();
  for (const h of hits) {
    const q = byConfig.get(h.config);
    if (!q) continue;
    let shared = 0;
    let total = 0;
    for (const w of q.values()) total += w;
    h.lexemes.forEach((lexeme, i) => {
      const w = h.weights[i] ?? 0;
      total += w;
      const qw = q.get(lexeme);
      if (qw !== undefined) shared += qw + w;
    });
    const similarity = total > 0 ? shared / total : 0;
    const seen = best.get(h.articleId);
    if (!seen || similarity > seen.similarity) {
      best.set(h.articleId, { articleId: h.articleId, questionId: h.id, similarity });
    }
  }
  return [...best.values()].sort((a, b) => b.similarity - a.similarity);
}

/** The nearest lesson of each article for a question, best first (one statement). */
export async function answeredMatches(db: Db, query: string): Promise<AnsweredMatch[]> {
  const { terms, hits } = await answeredHits(db, query);
  return nearestAnswered(terms, hits);
}
