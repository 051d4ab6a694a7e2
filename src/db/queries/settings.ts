import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rowsOf } from '../rows.js';
import { type AutoSendPolicy, autoSendPolicies } from '../schema/drafts.js';
import { type KbEmbeddingModel, kbEmbeddingModels } from '../schema/kb-embeddings.js';
import {
  type RoutingRule,
  routingRules,
  type TaxonomyCategory,
  taxonomyCategories,
} from '../schema/triage.js';
import { fromJson } from './ticket-context.js';

/** The settings a triage or draft job consults for every ticket. */
export interface PipelineSettings {
  /** `settings_version` they were read at (null on a database without the row). */
  version: number | null;
  /** Active categories by name, as `listCategories(db, { activeOnly: true })`. */
  activeCategories: TaxonomyCategory[];
  /** In evaluation order, as `listRoutingRules`. */
  routingRules: RoutingRule[];
  /** Oldest first, as `listEmbeddingModels`. */
  embeddingModels: KbEmbeddingModel[];
  autoSendPolicies: AutoSendPolicy[];
}

/**
 * Every pipeline setting and the version they belong to in ONE statement, so they are one
 * snapshot: a change commits its rows and its version bump together (migration 0020).
 */
export async function readPipelineSettings(db: Db): Promise<PipelineSettings> {
  const [row] = rowsOf<{
    version: string | number | null;
    categories: unknown;
    rules: unknown;
    models: unknown;
    policies: unknown;
  }>(
    await db.execute(sql`
      select (select s.version from settings_version s where s.id = 1) as version,
             (select coalesce(json_agg(c order by c.name), '[]'::json)
                from taxonomy_categories c where c.active) as categories,
             (select coalesce(json_agg(r order by r.position, r.created_at), '[]'::json)
                from routing_rules r) as rules,
             (select coalesce(json_agg(m order by m.created_at), '[]'::json)
                from kb_embedding_models m) as models,
             (select coalesce(json_agg(p), '[]'::json) from auto_send_policies p) as policies`),
  );
  const list = <T>(value: unknown, decode: (raw: unknown) => T | null): T[] =>
    (typeof value === 'string' ? (JSON.parse(value) as unknown[]) : (value as unknown[])).map(
      (raw) => decode(raw)!,
    );
  return {
    version: row?.version === null || row?.version === undefined ? null : Number(row.version),
    activeCategories: list(row?.categories, (raw) => fromJson(taxonomyCategories, raw)),
    routingRules: list(row?.rules, (raw) => fromJson(routingRules, raw)),
    embeddingModels: list(row?.models, (raw) => fromJson(kbEmbeddingModels, raw)),
    autoSendPolicies: list(row?.policies, (raw) => fromJson(autoSendPolicies, raw)),
  };
}
