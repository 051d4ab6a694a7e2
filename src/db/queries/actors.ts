import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rowsOf } from '../rows.js';

/**
 * The names behind recorded authors, in one statement: the people whose emails are among `emails`
 * and the keys (revoked ones included) whose ids are among `keyIds`. A deleted user or key is
 * absent.
 */
export async function actorRecordNames(
  db: Db,
  ids: { emails: string[]; keyIds: string[] },
): Promise<{ people: Map<string, string>; keys: Map<string, string> }> {
  const people = new Map<string, string>();
  const keys = new Map<string, string>();
  if (ids.emails.length === 0 && ids.keyIds.length === 0) return { people, keys };
  // Arrays travel as one text[] parameter each; `= any` keeps the statement's text constant.
  const rows = rowsOf<{ kind: 'user' | 'key'; id: string; name: string }>(
    await db.execute(sql`
    select 'user' as kind, u.email as id, u.name from users u
      where u.email = any(${`{${ids.emails.map(quoted).join(',')}}`}::text[])
    union all
    select 'key' as kind, k.id::text as id, k.name from api_keys k
      where k.id = any(${`{${ids.keyIds.join(',')}}`}::uuid[])`),
  );
  for (const r of rows) (r.kind === 'user' ? people : keys).set(r.id, r.name);
  return { people, keys };
}

/** An element of a Postgres array literal, quoted so commas, quotes and braces stay inside it. */
const quoted = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
