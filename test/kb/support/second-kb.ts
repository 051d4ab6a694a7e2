/**
 * Builds a second retrieval check, unlike the bitext dev set, from the multilingual support
 * tickets in ../shared: each ticket's agent answer is an article (language set from the ticket),
 * and the ticket (subject + body) is a query whose only relevant article is its own answer.
 * Five languages, long queries, no titles to lean on: it tests that the ranking choices carry
 * over rather than fit one set.
 *
 *   npx tsx test/kb/support/second-kb.ts <out-dir> [language]
 *   npm run -s eval:retrieval -- --docs <out-dir>/docs.jsonl --queries <out-dir>/queries.jsonl
 *
 * With a language (`en`), only that language's tickets: an English KB other than bitext, where
 * English-only ranking features (WordNet expansion) can show whether they carry over.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

const CSV = path.resolve(
  '../shared/data/classification/tickets-multilang/dataset-tickets-multi-lang3-4k.csv',
);

export function ticketAnswerKb(language?: string) {
  const rows = parse(readFileSync(CSV, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    // The file ends with one truncated record (an unclosed quote); skip it rather than fail.
    skip_records_with_error: true,
  }) as {
    subject: string;
    body: string;
    answer: string;
    language: string;
  }[];
  const docs: { id: string; title: string; body: string; language: string }[] = [];
  const queries: { query: string; relevant: string[] }[] = [];
  rows.forEach((row, i) => {
    if (!row.answer?.trim() || !row.body?.trim() || !row.language) return;
    if (language && row.language !== language) return;
    const id = `answer-${i}`;
    docs.push({ id, title: `Reply ${i}`, body: row.answer, language: row.language });
    queries.push({ query: `${row.subject ?? ''}\n${row.body}`.trim(), relevant: [id] });
  });
  return { docs, queries };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const out = process.argv[2] ?? '/tmp/kb-tickets';
  mkdirSync(out, { recursive: true });
  const { docs, queries } = ticketAnswerKb(process.argv[3]);
  writeFileSync(path.join(out, 'docs.jsonl'), `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
  writeFileSync(
    path.join(out, 'queries.jsonl'),
    `${queries.map((q) => JSON.stringify(q)).join('\n')}\n`,
  );
  console.log(JSON.stringify({ out, docs: docs.length, queries: queries.length }));
}
