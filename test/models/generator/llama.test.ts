import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createLlamaGenerator,
  GeneratorOutputError,
  GeneratorRequestError,
  type JsonSchema,
} from '../../../src/models/generator/index.js';

// Real inference on the tiny shared models (CPU only). One thread per context: the test machine
// has two cores shared with other test files, and oversubscribed llama.cpp threads spin.
const STORIES = path.resolve('../shared/models/stories260K.gguf');
const TINY_LLAMA2 = path.resolve('../shared/models/llama-2-tiny-random.gguf');

const triageSchema = {
  type: 'object',
  properties: {
    category: { enum: ['billing', 'shipping'] },
    confidence: { type: 'number' },
  },
  required: ['category', 'confidence'],
} as const satisfies JsonSchema;

describe('llama generator (stories260K)', { timeout: 120_000 }, () => {
  // stories260K has no chat template and needs contextSize >= 1024 (shared/README.md).
  const generator = createLlamaGenerator({ modelPath: STORIES, contextSize: 1024, threads: 1 });
  afterAll(() => generator.close());

  it('generates text and reports token counts', async () => {
    const result = await generator.generate({
      system: 'You write short stories for children.',
      messages: [{ role: 'user', content: 'Tell me about a cat.' }],
      maxTokens: 24,
    });
    expect(result.text.trim().length).toBeGreaterThan(0);
    expect(result.model).toBe('gguf:stories260K.gguf');
    expect(result.promptTokens).toBeGreaterThan(10);
    expect(result.completionTokens).toBeGreaterThan(0);
    expect(result.completionTokens).toBeLessThanOrEqual(24);
    expect(['stop', 'length']).toContain(result.finishReason);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    // The model has no chat template; node-llama-cpp falls back to a Llama 2 style format.
    expect(generator.chatFormat).toBeTruthy();
    expect(generator.contextSize).toBeGreaterThanOrEqual(1024);
  });

  it('constrains output to a JSON schema and returns it parsed and valid', async () => {
    const result = await generator.generate({
      system: 'Classify the support ticket. Answer with JSON.',
      messages: [{ role: 'user', content: 'Where is my parcel? It has not arrived yet.' }],
      maxTokens: 96,
      jsonSchema: triageSchema,
    });
    expect(result.finishReason).toBe('stop');
    expect(JSON.parse(result.text)).toEqual(result.json);
    const parsed = z
      .object({ category: z.enum(['billing', 'shipping']), confidence: z.number() })
      .parse(result.json);
    expect(['billing', 'shipping']).toContain(parsed.category);
  });

  it('raises GeneratorOutputError when constrained output is cut off by maxTokens', async () => {
    const error = await generator
      .generate({
        messages: [{ role: 'user', content: 'Classify: I was charged twice.' }],
        maxTokens: 4,
        jsonSchema: triageSchema,
      })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(GeneratorOutputError);
    const outputError = error as GeneratorOutputError;
    expect(outputError.reason).toBe('invalid_json');
    expect(outputError.result.finishReason).toBe('length');
    expect(outputError.result.completionTokens).toBeGreaterThan(0);
  });

  it('returns finishReason "timeout" when the deadline passes, and keeps working', async () => {
    const result = await generator.generate({
      messages: [{ role: 'user', content: 'Tell me a very long story about a dragon.' }],
      maxTokens: 2000,
      timeoutMs: 25,
    });
    expect(result.finishReason).toBe('timeout');
    expect(result.json).toBeUndefined();

    const after = await generator.generate({
      messages: [{ role: 'user', content: 'Tell me about a dog.' }],
      maxTokens: 8,
    });
    expect(['stop', 'length']).toContain(after.finishReason);
  });

  it('returns finishReason "aborted" when the caller aborts, before or during generation', async () => {
    const before = new AbortController();
    before.abort();
    const early = await generator.generate({
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      maxTokens: 8,
      signal: before.signal,
    });
    expect(early).toMatchObject({ finishReason: 'aborted', text: '', completionTokens: 0 });

    const during = new AbortController();
    const pending = generator.generate({
      messages: [{ role: 'user', content: 'Tell me a very long story about a princess.' }],
      maxTokens: 2000,
      signal: during.signal,
    });
    setTimeout(() => during.abort(), 20);
    const late = await pending;
    expect(late.finishReason).toBe('aborted');
  });

  it('runs concurrent calls side by side and queues calls beyond its parallel slots', async () => {
    // Three calls on two sequences: two generate at once, the third waits for a free slot.
    const results = await Promise.all(
      ['a cat', 'a dog', 'a bird'].map((topic) =>
        generator.generate({
          messages: [{ role: 'user', content: `Tell me about ${topic}.` }],
          maxTokens: 12,
        }),
      ),
    );
    for (const result of results) {
      expect(['stop', 'length']).toContain(result.finishReason);
      expect(result.completionTokens).toBeGreaterThan(0);
    }
  });

  it('streams the answer as it is generated: the pieces add up to the text', async () => {
    const pieces: string[] = [];
    const result = await generator.generate({
      messages: [{ role: 'user', content: 'Tell me about a fox.' }],
      maxTokens: 24,
      onText: (chunk) => pieces.push(chunk),
    });
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(result.text);
  });

  it('stops at a caller-given stop string', async () => {
    const result = await generator.generate({
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      maxTokens: 200,
      stop: ['.'],
    });
    expect(result.text).not.toContain('.');
    expect(result.finishReason).toBe('stop');
  });

  it('rejects a prompt that does not fit the context instead of silently truncating it', async () => {
    const longTicket = 'My order never arrived and nobody answers my emails. '.repeat(200);
    await expect(
      generator.generate({ messages: [{ role: 'user', content: longTicket }], maxTokens: 8 }),
    ).rejects.toMatchObject({ name: 'GeneratorRequestError', code: 'prompt_too_long' });
  });

  it('counts tokens with the model tokenizer', async () => {
    expect(await generator.countTokens('')).toBe(0);
    expect(await generator.countTokens('Once upon a time')).toBeGreaterThan(0);
  });
});

describe('llama generator (llama-2-tiny-random tokenizer)', { timeout: 60_000 }, () => {
  it('counts tokens with the real Llama 2 vocabulary', async () => {
    const generator = createLlamaGenerator({
      modelPath: TINY_LLAMA2,
      contextSize: 256,
      threads: 1,
      parallel: 1,
    });
    try {
      // SentencePiece Llama 2: ▁Hello ▁world , ▁how ▁are ▁you ?
      expect(await generator.countTokens('Hello world, how are you?')).toBe(7);
      const short = await generator.countTokens('refund');
      const long = await generator.countTokens(
        'I would like a refund for my damaged order, please.',
      );
      expect(long).toBeGreaterThan(short);
    } finally {
      await generator.close();
    }
  });
});

describe('llama generator lifecycle', { timeout: 60_000 }, () => {
  it('close() cuts running calls short and refuses new ones', async () => {
    const generator = createLlamaGenerator({ modelPath: STORIES, contextSize: 1024, threads: 1 });
    await generator.load();
    const running = generator.generate({
      messages: [{ role: 'user', content: 'Tell me a very long story.' }],
      maxTokens: 2000,
    });
    await generator.close();
    expect((await running).finishReason).toBe('aborted');
    await expect(
      generator.generate({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 4 }),
    ).rejects.toBeInstanceOf(GeneratorRequestError);
    await generator.close(); // idempotent
  });
});
