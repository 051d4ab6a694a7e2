import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { classifierTrain } from '../../../../src/cli/commands/classifier.js';
import { getClassifierModel, latestClassifierVersion } from '../../../../src/db/queries/triage.js';
import { outbox } from '../../../../src/db/schema/outbox.js';
import { trainAndStore } from '../../../../src/pipeline/triage/classifier-store.js';
import { starterTaxonomy } from '../../../../src/pipeline/triage/starter-taxonomy.js';
import { createTestDeps, type TestDeps } from '../../../support/deps.js';

/**
 * The taxonomy through the admin API, against real Postgres: categories learned from a CSV
 * (labels with spaces, capitals and slashes) are edited and switched off like any other, and a
 * CSV import retires the starter categories it does not use, so the classifier retrains without
 * them.
 */
let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let admin: string;
let manager: string;
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-taxonomy-'));

interface CategoryJson {
  name: string;
  description: string;
  examples: string[];
  active: boolean;
  origin: 'starter' | 'imported' | 'created';
}

const call = (key: string, method: string, url: string, body?: unknown) =>
  app.request(url, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function categories(): Promise<CategoryJson[]> {
  const res = await call(manager, 'GET', '/api/admin/taxonomy');
  expect(res.status).toBe(200);
  return ((await res.json()) as { categories: CategoryJson[] }).categories;
}

async function latestLabels(): Promise<string[]> {
  const latest = await latestClassifierVersion(deps.db);
  return (await getClassifierModel(deps.db, latest!.version))!.labels;
}

/** A team's own labels, as a helpdesk export names them. */
function writeCsv(): string {
  const rows = ['text,label'];
  for (let i = 0; i < 15; i++) {
    rows.push(`"The sync with our CRM fails with error ${500 + i}","Technical Support"`);
    rows.push(`"Please refund invoice ${1000 + i}, we were billed twice","Billing/Refunds"`);
    rows.push(`"Question about my bill number ${i}",billing`);
  }
  const file = path.join(dir, 'labels.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  deps = await createTestDeps();
  app = createApp(deps);
  admin = (await createApiKey(deps.db, { name: 'admin', role: 'admin' })).key;
  manager = (await createApiKey(deps.db, { name: 'manager', role: 'manager' })).key;
});
afterAll(async () => {
  await deps.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('taxonomy', () => {
  it('importing labelled data retires the starter categories it does not use and retrains without them', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await classifierTrain(deps.db, { csv: writeCsv() });
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const byName = new Map((await categories()).map((c) => [c.name, c]));
    expect(byName.get('Technical Support')).toMatchObject({ origin: 'imported', active: true });
    expect(byName.get('Billing/Refunds')).toMatchObject({ origin: 'imported', active: true });
    // A starter name the team's data also uses is the team's category now, and stays.
    expect(byName.get('billing')).toMatchObject({ origin: 'imported', active: true });
    for (const starter of starterTaxonomy.filter((c) => c.name !== 'billing')) {
      expect(byName.get(starter.name), starter.name).toMatchObject({
        origin: 'starter',
        active: false,
      });
    }
    expect((await latestLabels()).sort()).toEqual([
      'Billing/Refunds',
      'Technical Support',
      'billing',
    ]);
  });

  it('edits and deactivates a CSV-learned category by its own name (URL-encoded)', async () => {
    const res = await call(
      admin,
      'PUT',
      `/api/admin/taxonomy/${encodeURIComponent('Technical Support')}`,
      {
        description: 'Integrations and errors',
        examples: ['The API answers 502 since this morning'],
        active: false,
      },
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({
      name: 'Technical Support',
      description: 'Integrations and errors',
      active: false,
      origin: 'imported',
    });
    // The change is queued as a retrain in the same transaction; the retrain leaves the label out.
    const queued = await deps.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.jobName, 'retrain'), eq(outbox.state, 'pending')));
    expect(queued.map((r) => r.payload)).toContainEqual({ reason: 'taxonomy' });
    await trainAndStore(deps.db);
    expect(await latestLabels()).not.toContain('Technical Support');

    const slash = await call(
      admin,
      'PUT',
      `/api/admin/taxonomy/${encodeURIComponent('Billing/Refunds')}`,
      {
        defaultPriority: 'high',
      },
    );
    expect(slash.status, await slash.clone().text()).toBe(200);
    expect(await slash.json()).toMatchObject({ name: 'Billing/Refunds', active: true });
  });

  it('a starter category is editable and can be switched back on', async () => {
    const res = await call(admin, 'PUT', '/api/admin/taxonomy/shipping', { active: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'shipping', origin: 'starter', active: true });
    // The retire action turns it off again (the team's data does not use it), queueing a retrain.
    const retire = await call(admin, 'POST', '/api/admin/taxonomy/retire-starter');
    expect(retire.status).toBe(202);
    expect(await retire.json()).toEqual({ retired: ['shipping'], retrainQueued: true });
    const again = await call(admin, 'POST', '/api/admin/taxonomy/retire-starter');
    expect(await again.json()).toEqual({ retired: [], retrainQueued: false });
  });

  it('refuses names that would break a form or a log line, naming the field', async () => {
    for (const name of ['bad%0Aname', 'x'.repeat(101), '%20%20']) {
      const res = await call(admin, 'PUT', `/api/admin/taxonomy/${name}`, { active: true });
      expect(res.status, name).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toContain('name');
    }
    const wrongType = await call(admin, 'PUT', '/api/admin/taxonomy/refunds', { active: 'no' });
    expect(wrongType.status).toBe(400);
    expect(((await wrongType.json()) as { error: { message: string } }).error.message).toContain(
      'active',
    );
  });

  it('managers read, only admins write', async () => {
    expect(
      (await call(manager, 'PUT', '/api/admin/taxonomy/refunds', { active: true })).status,
    ).toBe(403);
    expect((await call(manager, 'POST', '/api/admin/taxonomy/retire-starter')).status).toBe(403);
  });
});
