import type { Db } from '../db/client.js';
import { listKnowledgeGapTickets } from '../db/queries/drafts.js';
import { toCsv } from '../metrics/csv.js';
import { redactText } from '../privacy/redact.js';
import { stems } from './stems.js';

export interface GapTopic {
  /** The topic's most salient words (TF-IDF over the gap tickets), e.g. "invoice, vat, address". */
  label: string;
  terms: string[];
  count: number;
  /** Tickets in the later half of the window minus the earlier half: > 0 is a growing gap. */
  trend: number;
  /** Abstained drafts vs drafts rejected as wrong / missing information. */
  abstained: number;
  rejected: number;
  /** The three newest tickets, redacted. */
  examples: { ticketId: string; subject: string; excerpt: string; createdAt: string }[];
  /** Every ticket of the topic: the tickets a new article on it would have answered. */
  ticketIds: string[];
}

interface Doc {
  ticketId: string;
  subject: string;
  text: string;
  createdAt: Date;
  why: string;
  vector: Map<string, number>;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  for (const [k, v] of a) dot += v * (b.get(k) ?? 0);
  return dot; // both are unit length
}

function normalise(v: Map<string, number>): Map<string, number> {
  const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
  if (norm > 0) for (const [k, x] of v) v.set(k, x / norm);
  return v;
}

/**
 * Groups the questions the knowledge base could not answer into topics, so a team knows which
 * articles to write next. TF-IDF vectors of word stems, single-pass leader clustering (each
 * ticket joins the most similar topic above `minSimilarity`, else starts one), topics labelled by
 * their highest-weighted words. Hand-written: a few thousand short texts at most, and k-means
 * would need the number of topics up front, which is exactly what is unknown.
 */
export function clusterGaps(
  tickets: readonly {
    ticketId: string;
    subject: string;
    text: string;
    createdAt: Date;
    why: string;
  }[],
  options: { since: Date; until: Date; minSimilarity?: number },
): GapTopic[] {
  const minSimilarity = options.minSimilarity ?? 0.3;
  const words = new Map<string, Map<string, number>>(); // stem → surface word → count
  const tokenised = tickets.map((t) => {
    const text = `${t.subject}\n${t.text}`.slice(0, 2_000);
    const counts = new Map<string, number>();
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      const [stem] = [...stems(word)];
      if (!stem) continue;
      counts.set(stem, (counts.get(stem) ?? 0) + 1);
      const surface = words.get(stem) ?? new Map<string, number>();
      surface.set(word, (surface.get(word) ?? 0) + 1);
      words.set(stem, surface);
    }
    return counts;
  });
  const df = new Map<string, number>();
  for (const counts of tokenised)
    for (const stem of counts.keys()) df.set(stem, (df.get(stem) ?? 0) + 1);
  const n = tickets.length;
  const docs: Doc[] = tickets.map((t, i) => {
    const v = new Map<string, number>();
    for (const [stem, tf] of tokenised[i]!) {
      // Smoothed IDF (as scikit-learn's): a word every gap ticket shares still counts, so two
      // questions about the same thing match even when the topic is all there is.
      v.set(stem, (1 + Math.log(tf)) * (1 + Math.log((1 + n) / (1 + (df.get(stem) ?? 0)))));
    }
    return { ...t, vector: normalise(v) };
  });
  const clusters: { centroid: Map<string, number>; docs: Doc[] }[] = [];
  // Oldest first, so a topic's seed is its first occurrence.
  for (const doc of [...docs].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    let best: (typeof clusters)[number] | null = null;
    let bestSim = minSimilarity;
    for (const c of clusters) {
      const sim = cosine(doc.vector, c.centroid);
      if (sim >= bestSim) {
        best = c;
        bestSim = sim;
      }
    }
    if (!best) {
      clusters.push({ centroid: new Map(doc.vector), docs: [doc] });
      continue;
    }
    best.docs.push(doc);
    const sum = new Map<string, number>();
    for (const d of best.docs) for (const [k, v] of d.vector) sum.set(k, (sum.get(k) ?? 0) + v);
    best.centroid = normalise(sum);
  }
  const middle = (options.since.getTime() + options.until.getTime()) / 2;
  return clusters
    .map((c) => {
      const terms = [...c.centroid.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(
          ([stem]) =>
            [...(words.get(stem) ?? new Map([[stem, 1]])).entries()].sort(
              (a, b) => b[1] - a[1],
            )[0]![0],
        );
      const newest = [...c.docs].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      const later = c.docs.filter((d) => d.createdAt.getTime() >= middle).length;
      return {
        label: terms.join(', '),
        terms,
        count: c.docs.length,
        trend: later - (c.docs.length - later),
        abstained: c.docs.filter((d) => d.why === 'abstained').length,
        rejected: c.docs.filter((d) => d.why !== 'abstained').length,
        examples: newest.slice(0, 3).map((d) => ({
          ticketId: d.ticketId,
          subject: redactText(d.subject),
          excerpt: redactText(d.text.replace(/\s+/g, ' ').trim()).slice(0, 160),
          createdAt: d.createdAt.toISOString(),
        })),
        ticketIds: newest.map((d) => d.ticketId),
      };
    })
    .sort((a, b) => b.count - a.count || b.trend - a.trend);
}

/** `30d`, `12h`, `2w` → milliseconds. */
export function parseSince(value: string): number {
  const m = /^(\d+)\s*([hdw])$/i.exec(value.trim());
  if (!m)
    throw new Error(
      `--since: expected a duration such as 30d, 12h or 2w (got ${JSON.stringify(value)})`,
    );
  const unit = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[
    m[2]!.toLowerCase() as 'h' | 'd' | 'w'
  ];
  return Number(m[1]) * unit;
}

/** The knowledge-base gap report: topics of unanswered questions over the last `sinceMs`. */
export async function knowledgeGaps(
  db: Db,
  options: { sinceMs: number; now?: Date; limit?: number },
): Promise<{ since: string; until: string; tickets: number; topics: GapTopic[] }> {
  const until = options.now ?? new Date();
  const since = new Date(until.getTime() - options.sinceMs);
  const tickets = await listKnowledgeGapTickets(db, since);
  const topics = clusterGaps(tickets, { since, until }).slice(0, options.limit ?? 50);
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    tickets: tickets.length,
    topics,
  };
}

/** One CSV row per topic: label, counts, trend, the example subjects and every ticket id. */
export function gapsCsv(topics: readonly GapTopic[]): string {
  return toCsv(
    topics.map((t) => ({
      topic: t.label,
      tickets: t.count,
      trend: t.trend,
      abstained: t.abstained,
      rejected: t.rejected,
      examples: t.examples.map((e) => e.subject || e.excerpt).join(' | '),
      ticket_ids: t.ticketIds.join(' '),
    })),
    ['topic', 'tickets', 'trend', 'abstained', 'rejected', 'examples', 'ticket_ids'],
  );
}
