import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';

/** Team names in use: routing rules' target teams, and the teams of users and API keys. */
export async function knownTeams(db: Db): Promise<string[]> {
  const rows = (await db.execute(sql`
    SELECT team FROM (
      SELECT actions->>'team' AS team FROM routing_rules
      UNION SELECT team_id FROM users
      UNION SELECT team_id FROM api_keys
    ) t WHERE team IS NOT NULL AND team <> '' ORDER BY team`)) as unknown as
    | { team: string }[]
    | { rows: { team: string }[] };
  return (Array.isArray(rows) ? rows : rows.rows).map((r) => r.team);
}
