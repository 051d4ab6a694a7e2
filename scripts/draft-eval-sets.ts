/**
 * Builds the `eval:drafts` sets from the public data in ../shared (never copied into the repo):
 *
 *   npx tsx scripts/draft-eval-sets.ts [--shared ../shared] [--out /tmp/draft-eval]
 *
 * - `bitext/`: the bitext FAQ (27 articles) with customers' questions about them, and off-topic
 *   questions mixed in (`relevant: []`).
 * - `tickets/`: a second, unlike knowledge base: the agents' answers to the multilingual support
 *   tickets (en/de/es/fr/pt, `language` set), each ticket asking for its own answer, with the same
 *   kind of off-topic questions.
 * - `subjects/`: the ticket-answers KB asked each of those tickets' subject line alone (3–14
 *   words): short questions on a large KB, the shape the two sets above do not have.
 *
 * Off-topic questions are CLINC150's out-of-scope utterances and the intents of domains no
 * support KB here covers (travel, cooking, cars, small talk, home, utilities). `--split fit` takes
 * them from CLINC150's train / oos_train sets and other bitext queries instead of test / oos_test,
 * for fitting the confidence model without touching the evaluation sets.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';

const { values } = parseArgs({
  options: {
    shared: { type: 'string', default: '../shared' },
    out: { type: 'string', default: '/tmp/draft-eval' },
    split: { type: 'string', default: 'eval' },
    'on-topic': { type: 'string', default: '300' },
    'off-topic': { type: 'string', default: '200' },
  },
  strict: true,
});
const shared = path.resolve(values.shared);
const fit = values.split === 'fit';
const onTopic = Number(values['on-topic']);
const offTopic = Number(values['off-topic']);

interface Ticket {
  query: string;
  relevant: string[];
  language?: string;
  reference?: string;
}

/** Every `count`-th element from `offset`, deterministic (no randomness: reruns compare). */
function spread<T>(items: readonly T[], count: number, offset = 0): T[] {
  if (items.length <= count) return [...items];
  const step = items.length / count;
  return Array.from(
    { length: count },
    (_, i) => items[Math.floor(i * step + offset) % items.length]!,
  );
}

const OFF_DOMAINS = [
  'travel',
  'kitchen_and_dining',
  'auto_and_commute',
  'small_talk',
  'home',
  'utility',
];

function offTopicQuestions(count: number): Ticket[] {
  const clinc = JSON.parse(
    readFileSync(path.join(shared, 'data/classification/clinc150/data_full.json'), 'utf8'),
  ) as Record<string, [string, string][]>;
  const domains = JSON.parse(
    readFileSync(path.join(shared, 'data/classification/clinc150/domains.json'), 'utf8'),
  ) as Record<string, string[]>;
  const offIntents = new Set(OFF_DOMAINS.flatMap((d) => domains[d] ?? []));
  const oos = clinc[fit ? 'oos_train' : 'oos_test']!.map(([text]) => text);
  const other = clinc[fit ? 'train' : 'test']!.filter(([, intent]) => offIntents.has(intent)).map(
    ([text]) => text,
  );
  const half = Math.floor(count / 2);
  return [...spread(oos, half, fit ? 0 : 0), ...spread(other, count - half, fit ? 1 : 0)].map(
    (query) => ({ query, relevant: [] }),
  );
}

/** Interleaves two lists so on- and off-topic questions alternate through the run. */
function mix(a: Ticket[], b: Ticket[]): Ticket[] {
  const out: Ticket[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]) out.push(a[i]!);
    if (b[i]) out.push(b[i]!);
  }
  return out;
}

function write(dir: string, docs: object[], tickets: Ticket[]) {
  mkdirSync(dir, { recursive: true });
  const lines = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
  writeFileSync(path.join(dir, 'docs.jsonl'), lines(docs));
  writeFileSync(path.join(dir, 'tickets.jsonl'), lines(tickets));
  return { dir, docs: docs.length, tickets: tickets.length };
}

function bitext() {
  const dir = path.join(shared, 'data/kb/bitext-faq');
  const docs = readFileSync(path.join(dir, 'docs.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; title: string; body: string });
  const queries = readFileSync(path.join(dir, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { query: string; relevant: string[] });
  const on = spread(queries, onTopic, fit ? 7 : 0).map((q) => ({ ...q, language: 'en' }));
  return write(
    path.join(values.out, 'bitext'),
    docs.map((d) => ({
      id: d.id,
      title: d.title,
      body: d.body,
      url: `https://help.example.com/${d.id}`,
    })),
    mix(
      on,
      offTopicQuestions(offTopic).map((t) => ({ ...t, language: 'en' })),
    ),
  );
}

function ticketAnswers() {
  const rows = parse(
    readFileSync(
      path.join(shared, 'data/classification/tickets-multilang/dataset-tickets-multi-lang3-4k.csv'),
      'utf8',
    ),
    { columns: true, skip_empty_lines: true, skip_records_with_error: true },
  ) as { subject: string; body: string; answer: string; language: string }[];
  const docs: { id: string; title: string; body: string; language: string }[] = [];
  const tickets: Ticket[] = [];
  rows.forEach((row, i) => {
    if (!row.answer?.trim() || !row.body?.trim() || !row.language) return;
    const id = `answer-${i}`;
    docs.push({ id, title: `Reply ${i}`, body: row.answer, language: row.language });
    tickets.push({
      query: `${row.subject ?? ''}\n${row.body}`.trim(),
      relevant: [id],
      language: row.language,
      reference: row.answer,
    });
  });
  const on = spread(tickets, onTopic, fit ? 1 : 0);
  const off = offTopicQuestions(offTopic).map((t) => ({ ...t, language: 'en' }));
  // The same KB asked short questions: each ticket's subject line alone (3–14 words), so a
  // threshold that only held because answerable tickets are long would show.
  const subjects = on.flatMap((t) => {
    const subject = t.query.split('\n')[0]!.trim();
    const words = subject.split(/\s+/).length;
    return words >= 3 && words <= 14 ? [{ ...t, query: subject }] : [];
  });
  return [
    write(path.join(values.out, 'tickets'), docs, mix(on, off)),
    write(path.join(values.out, 'subjects'), docs, mix(subjects, off)),
  ];
}

console.log(JSON.stringify({ split: values.split, sets: [bitext(), ...ticketAnswers()] }));
