import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/queries/kb.js';
import { importArticles } from '../../src/kb/import.js';
import { indexArticle } from '../../src/kb/indexer.js';
import { prepareEmbedder, processKbIndexJob } from '../../src/kb/jobs.js';
import { searchKnowledgeBase } from '../../src/kb/search.js';
import { vectorIndexName } from '../../src/kb/vector-index.js';
import { HashedEmbedder } from '../../src/models/embedder/hashed.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { bitextDocs, pendingKbJobs } from './support/kb.js';

const oldModel = new HashedEmbedder();
const newModel = new HashedEmbedder({ dimension: 256 });
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.destroy();
});

const vectorsByModel = async () =>
  Object.fromEntries(
    (
      await queryRows<{ model: string; n: number; dims: number }>(
        database.db,
        sql`select model, count(*)::int n, min(vector_dims(embedding)) dims
            from kb_chunk_embeddings group by model`,
      )
    ).map((r) => [r.model, { n: r.n, dims: r.dims }]),
  );

const indexExists = async (name: string) =>
  (await queryRows(database.db, sql`select 1 from pg_indexes where indexname = ${name}`)).length >
  0;

describe('switching the embedder', () => {
  it('re-embeds in the background while search keeps using the previous model', async () => {
    const db = database.db;
    expect(await prepareEmbedder(db, oldModel)).toEqual({ state: 'ready', model: oldModel.name });
    const imported = await importArticles(db, bitextDocs(), { source: 'bitext' });
    for (const id of imported.toIndex) await indexArticle(db, id, [oldModel]);
    const chunks = (await vectorsByModel())[oldModel.name]!.n;

    // A new model is configured: it is registered, gets its own index, and a fill job is queued.
    const activation = await prepareEmbedder(db, newModel);
    expect(activation).toEqual({ state: 'building', model: newModel.name, missing: chunks });
    expect((await pendingKbJobs(db)).map((j) => j.payload)).toContainEqual({
      embeddingModel: newModel.name,
    });
    expect(await indexExists(vectorIndexName(newModel.name))).toBe(true);

    // Meanwhile search (which can embed queries with both) stays on the complete old model.
    const both = [newModel, oldModel];
    const during = await searchKnowledgeBase(
      db,
      { query: 'cancel my order', limit: 3 },
      { embedders: both },
    );
    expect(during.model).toBe(oldModel.name);
    expect(during.passages[0]?.externalId).toBe('cancel_order');

    // An article changed mid-switch is indexed with both live models.
    const edited = bitextDocs().map((d) =>
      d.externalId === 'review' ? { ...d, body: `${d.body}\n\nReviews are moderated.` } : d,
    );
    const changed = await importArticles(db, edited, { source: 'bitext' });
    expect(changed.updated).toBe(1);
    await indexArticle(db, changed.toIndex[0]!, both);

    // A worker without the new model skips the fill; one with it completes it in batches.
    expect(
      await processKbIndexJob({ db, embedders: [oldModel] }, { embeddingModel: newModel.name }),
    ).toEqual({ kind: 'embeddings', embedded: 0, state: 'skipped' });
    const batches: number[] = [];
    const fill = await processKbIndexJob(
      { db, embedders: both },
      { embeddingModel: newModel.name },
      (done) => {
        batches.push(done);
      },
    );
    expect(fill).toMatchObject({ kind: 'embeddings', state: 'ready' });
    expect(batches.length).toBeGreaterThan(0);

    // Search switched; the old vectors and their index are gone; dimensions never mixed.
    const after = await searchKnowledgeBase(
      db,
      { query: 'cancel my order', limit: 3 },
      { embedders: both },
    );
    expect(after.model).toBe(newModel.name);
    expect(after.passages[0]?.externalId).toBe('cancel_order');
    expect(await vectorsByModel()).toEqual({ [newModel.name]: { n: chunks, dims: 256 } });
    expect(await indexExists(vectorIndexName(oldModel.name))).toBe(false);
  });

  it('answers lexically when no ready model can embed the query', async () => {
    const result = await searchKnowledgeBase(
      database.db,
      { query: 'cancel my order', limit: 3 },
      { embedders: [new HashedEmbedder({ dimension: 128 })] },
    );
    expect(result.model).toBeNull();
    expect(result.passages[0]?.externalId).toBe('cancel_order');
    expect(result.passages[0]?.scores.vector).toBeNull();
  });

  it('rejects a model name reused with another dimension', async () => {
    const impostor = { name: newModel.name, dimension: 64, embed: newModel.embed.bind(newModel) };
    await expect(prepareEmbedder(database.db, impostor)).rejects.toThrow(/dimension 256/);
  });
});
