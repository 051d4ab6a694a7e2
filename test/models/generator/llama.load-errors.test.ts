import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaGenerator, ModelLoadError } from '../../../src/models/generator/index.js';
import { acquireLlamaModel } from '../../../src/models/registry.js';

const STORIES = path.resolve('../shared/models/stories260K.gguf');

describe('llama generator: model files that cannot load', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deskpilot-gguf-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const loadError = async (modelPath: string): Promise<ModelLoadError> => {
    const generator = createLlamaGenerator({ modelPath, contextSize: 1024, threads: 1 });
    try {
      const error = await generator.load().then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ModelLoadError);
      return error as ModelLoadError;
    } finally {
      await generator.close();
    }
  };

  it('names a missing file and how to get it', async () => {
    const error = await loadError(path.join(dir, 'missing.gguf'));
    expect(error.reason).toBe('not_found');
    expect(error.message).toContain('missing.gguf');
    expect(error.message).toContain('models pull');
  });

  it('rejects a file that is not GGUF', async () => {
    const file = path.join(dir, 'notes.gguf');
    await writeFile(file, '{"this": "is JSON, not a model"}\n');
    const error = await loadError(file);
    expect(error.reason).toBe('not_gguf');
    expect(error.message).toContain('not a GGUF model file');
  });

  it('rejects a directory', async () => {
    expect((await loadError(dir)).reason).toBe('not_a_file');
  });

  it('rejects a GGUF magic followed by garbage without hanging', async () => {
    // node-llama-cpp's metadata reader never settles on this file; the header check catches it.
    const file = path.join(dir, 'garbage.gguf');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from('GGUF\x03\x00\x00\x00', 'latin1'),
        Buffer.from('garbage-garbage-garbage!'),
      ]),
    );
    const error = await loadError(file);
    expect(error.reason).toBe('corrupt');
  });

  it('reports a truncated download as corrupt, quoting llama.cpp', async () => {
    const file = path.join(dir, 'truncated.gguf');
    const source = await open(STORIES, 'r');
    try {
      const half = Buffer.alloc(300_000);
      await source.read(half, 0, half.length, 0);
      await writeFile(file, half);
    } finally {
      await source.close();
    }
    const error = await loadError(file);
    expect(error.reason).toBe('corrupt');
    expect(error.message).toContain('truncated.gguf');
    expect(error.message).toContain('not within the file bounds');
  });

  it('generate() rejects with the same error, and retries the load on the next call', async () => {
    const file = path.join(dir, 'later.gguf');
    const generator = createLlamaGenerator({ modelPath: file, contextSize: 1024, threads: 1 });
    try {
      await expect(
        generator.generate({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 4 }),
      ).rejects.toBeInstanceOf(ModelLoadError);
      // The operator fixes the file; the same generator loads it without a restart.
      const model = await open(STORIES, 'r');
      await writeFile(file, await model.readFile());
      await model.close();
      await generator.load();
      expect(await generator.countTokens('Once upon a time')).toBeGreaterThan(0);
    } finally {
      await generator.close();
    }
  });
});

describe('model registry', { timeout: 60_000 }, () => {
  it('shares one loaded model per file and frees it with the last lease', async () => {
    const first = await acquireLlamaModel(STORIES);
    const second = await acquireLlamaModel(path.relative(process.cwd(), STORIES));
    expect(second.model).toBe(first.model);
    await first.release();
    await first.release(); // idempotent: does not steal the second lease
    expect(first.model.disposed).toBe(false);
    await second.release();
    expect(first.model.disposed).toBe(true);

    const third = await acquireLlamaModel(STORIES);
    expect(third.model).not.toBe(first.model);
    await third.release();
  });

  it('two generators on one file share the model', async () => {
    const a = createLlamaGenerator({
      modelPath: STORIES,
      contextSize: 1024,
      threads: 1,
      parallel: 1,
    });
    const b = createLlamaGenerator({
      modelPath: STORIES,
      contextSize: 1024,
      threads: 1,
      parallel: 1,
    });
    try {
      const lease = await acquireLlamaModel(STORIES);
      await Promise.all([a.load(), b.load()]);
      const [ra, rb] = await Promise.all([
        a.generate({ messages: [{ role: 'user', content: 'A cat.' }], maxTokens: 6 }),
        b.generate({ messages: [{ role: 'user', content: 'A dog.' }], maxTokens: 6 }),
      ]);
      expect(ra.completionTokens).toBeGreaterThan(0);
      expect(rb.completionTokens).toBeGreaterThan(0);
      await a.close();
      await b.close();
      // Still held by `lease`, so closing both generators did not free it.
      expect(lease.model.disposed).toBe(false);
      await lease.release();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
