import { z } from '@hono/zod-openapi';
import { decodeCursor } from '../../../audit/list.js';
import type { AuditCursor } from '../../../db/queries/audit.js';
import { AppError } from '../../errors.js';

const instant = z.iso.datetime({ offset: true }).or(z.iso.date());

/** Query parameters every audit listing takes. */
export const pageQuery = z.object({
  from: instant.optional().openapi({ description: 'At or after (ISO date or date-time)' }),
  to: instant.optional().openapi({ description: 'Before (ISO date or date-time)' }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: '`nextCursor` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type PageQuery = z.infer<typeof pageQuery>;

export function toRange(q: PageQuery, keyPattern: RegExp) {
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && from >= to)
    throw new AppError('validation_failed', '`from` must be before `to`');
  let after: AuditCursor | undefined;
  if (q.cursor) {
    after = decodeCursor(q.cursor, keyPattern) ?? undefined;
    if (!after) {
      throw new AppError('validation_failed', 'cursor: not a cursor returned by this listing');
    }
  }
  return { from, to, after, limit: q.limit };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  });
