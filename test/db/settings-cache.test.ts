import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { listEmbeddingModels } from '../../src/db/queries/kb.js';
import { readPipelineSettings } from '../../src/db/queries/settings.js';
import { loadTicketContext } from '../../src/db/queries/ticket-context.js';
import {
  listCategories,
  listRoutingRules,
  replaceRoutingRules,
  upsertCategory,
} from '../../src/db/queries/triage.js';
import { rowsOf } from '../../src/db/rows.js';
import { autoSendPolicies } from '../../src/db/schema/drafts.js';
import { kbEmbeddingModels } from '../../src/db/schema/kb-embeddings.js';
import { createSettingsCache } from '../../src/db/settings-cache.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import { fileTestDeps } from '../support/fixtures.js';
import { seedEmailTicket } from '../support/tickets.js';

const deps = await fileTestDeps();

async function currentVersion(): Promise<number> {
  const [row] = rowsOf<{ version: string | number }>(
    await deps.db.execute(sql`select version from settings_version where id = 1`),
  );
  return Number(row!.version);
}

describe('pipeline settings cache', () => {
  it('reads what the list queries read, in their order', async () => {
    await deps.db.insert(kbEmbeddingModels).values({ name: 'model-a', dimension: 4 });
    const settings = await readPipelineSettings(deps.db);
    expect(settings.version).toBe(await currentVersion());
    expect(settings.activeCategories).toEqual(await listCategories(deps.db, { activeOnly: true }));
    expect(settings.routingRules).toEqual(await listRoutingRules(deps.db));
    expect(settings.embeddingModels).toEqual(await listEmbeddingModels(deps.db));
    expect(settings.activeCategories.length).toBeGreaterThan(0);
    expect(settings.routingRules.length).toBeGreaterThan(0);
  });

  it('every change to a cached table bumps the version in its own transaction', async () => {
    let before = await currentVersion();
    const bumped = async (change: () => Promise<unknown>) => {
      await change();
      const after = await currentVersion();
      const moved = after > before;
      before = after;
      return moved;
    };
    expect(await bumped(() => upsertCategory(deps.db, { name: 'returns-x' }))).toBe(true);
    expect(await bumped(() => replaceRoutingRules(deps.db, []))).toBe(true);
    expect(
      await bumped(() =>
        deps.db.insert(autoSendPolicies).values({ category: 'billing', enabled: true }),
      ),
    ).toBe(true);
    expect(
      await bumped(() =>
        deps.db
          .update(autoSendPolicies)
          .set({ enabled: false })
          .where(eq(autoSendPolicies.category, 'billing')),
      ),
    ).toBe(true);
    expect(
      await bumped(() =>
        deps.db.update(kbEmbeddingModels).set({ state: 'ready' }).where(sql`true`),
      ),
    ).toBe(true);
    expect(await bumped(() => deps.db.delete(kbEmbeddingModels))).toBe(true);
    // A read changes nothing.
    expect(await bumped(() => listRoutingRules(deps.db))).toBe(false);
    // A rolled-back change leaves the version where it was.
    await deps.db
      .transaction(async (tx) => {
        await tx.delete(autoSendPolicies);
        tx.rollback();
      })
      .catch(() => {});
    expect(await currentVersion()).toBe(before);
  });

  it('serves the same settings while the version is unchanged and reads them again after', async () => {
    const cache = createSettingsCache(deps.db);
    const version = await currentVersion();
    const first = await cache.at(version);
    expect(await cache.at(version)).toBe(first);
    await deps.db.insert(autoSendPolicies).values({ category: 'shipping', enabled: true });
    const next = await cache.at(await currentVersion());
    expect(next).not.toBe(first);
    expect(next.autoSendPolicies.map((p) => p.category)).toContain('shipping');
    expect(first.autoSendPolicies.map((p) => p.category)).not.toContain('shipping');
  });

  it('a change to a routing rule is honoured by the very next ticket', async () => {
    await replaceRoutingRules(deps.db, [
      { name: 'everything to tier one', conditions: {}, actions: { team: 'tier-one' } },
    ]);
    const first = await seedEmailTicket(deps.db);
    expect((await triageTicket(deps, first))?.team).toBe('tier-one');
    // The job's ticket read carries the version the change moved.
    const context = await loadTicketContext(deps.db, first.ticketId);
    expect(context?.settingsVersion).toBe(await currentVersion());

    await replaceRoutingRules(deps.db, [
      {
        name: 'everything to the night shift',
        conditions: {},
        actions: { team: 'night-shift', draft: false },
      },
    ]);
    const next = await seedEmailTicket(deps.db);
    expect(await triageTicket(deps, next)).toMatchObject({ team: 'night-shift', draft: false });
  });
});
