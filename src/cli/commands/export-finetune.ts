import { createWriteStream } from 'node:fs';
import { and, asc, eq, gte, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { drafts } from '../../db/schema/drafts.js';
import { messages } from '../../db/schema/messages.js';
import { tickets } from '../../db/schema/tickets.js';
import { describeDraftSources } from '../../kb/citations.js';
import { redactText } from '../../privacy/redact.js';

/**
 * `export finetune --since <date> [--out file.jsonl]`: chat-format JSONL of (customer message →
 * the reply an agent approved and sent), PII-redacted on both sides, for teams who fine-tune a
 * model on their own voice. Automated tickets and rejected drafts are left out.
 *
 * Each line also carries `metadata.sources`: the knowledge-base articles the reply cites, by the
 * team's own imported id (JSONL id, file path, Help Center id) and URL — as citations show them,
 * never Deskpilot's internal ids — so a team can join the set to its own KB. Trainers that read
 * only `messages` ignore it.
 */
export async function exportFinetune(
  db: Db,
  opts: { since: Date; out?: string; system?: string },
): Promise<number> {
  const rows = await db
    .select({ draft: drafts, subject: tickets.subject })
    .from(drafts)
    .innerJoin(tickets, eq(tickets.id, drafts.ticketId))
    .where(
      and(
        eq(drafts.status, 'sent'),
        gte(drafts.decidedAt, opts.since),
        eq(tickets.automated, false),
      ),
    )
    .orderBy(asc(drafts.decidedAt));
  const messageIds = rows.map((r) => r.draft.messageId).filter((id): id is string => !!id);
  const questions = new Map(
    messageIds.length
      ? (
          await db
            .select({ id: messages.id, text: messages.strippedText, body: messages.bodyText })
            .from(messages)
            .where(inArray(messages.id, messageIds))
        ).map((m) => [m.id, m.text || m.body])
      : [],
  );
  const sources = await describeDraftSources(
    db,
    rows.map((r) => r.draft),
  );
  const out = opts.out ? createWriteStream(opts.out) : process.stdout;
  let written = 0;
  for (const { draft, subject } of rows) {
    const question = draft.messageId ? questions.get(draft.messageId) : undefined;
    const answer = draft.finalText ?? draft.bodyText;
    if (!question || !answer) continue;
    const line = {
      messages: [
        { role: 'system', content: opts.system ?? 'You are a helpful customer-support agent.' },
        { role: 'user', content: redactText(`${subject}\n\n${question}`.trim()) },
        { role: 'assistant', content: redactText(answer) },
      ],
      metadata: {
        sources: (sources.get(draft.id) ?? []).map((s) => ({
          index: s.index,
          articleId: s.externalId,
          url: s.url,
          title: s.title,
          ...(s.state === 'removed' ? { removedSince: true } : {}),
        })),
      },
    };
    out.write(`${JSON.stringify(line)}\n`);
    written++;
  }
  if (opts.out) await new Promise<void>((resolve) => (out as NodeJS.WritableStream).end(resolve));
  console.error(`exported ${written} conversations`);
  return written;
}
