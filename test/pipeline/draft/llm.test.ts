import { describe, expect, it } from 'vitest';
import type { Passage } from '../../../src/kb/search.js';
import { createInMemoryGenerator } from '../../../src/models/generator/memory.js';
import { draftWithLlm } from '../../../src/pipeline/draft/llm.js';

const passage = (i: number): Passage => ({
  chunkId: `c${i}`,
  articleId: `a${i}`,
  externalId: `e${i}`,
  title: `Article ${i}`,
  url: null,
  section: `Section ${i}`,
  text: `Passage ${i} explains the steps in detail. `.repeat(40),
  tags: [],
  language: 'en',
  score: 1 - i / 10,
  scores: { lexical: 5, vector: 0.5, lexicalRank: i + 1, vectorRank: i + 1 },
});

describe('draftWithLlm context budgeting', () => {
  it('drops the oldest messages, then weaker passages, to fit the window — never overflowing it', async () => {
    const generator = createInMemoryGenerator('Thanks for writing [1].', { contextSize: 1_200 });
    const history = Array.from({ length: 40 }, (_, i) => ({
      authorKind: i % 2 === 1 ? ('customer' as const) : ('agent' as const),
      strippedText: `Message ${i}: ${'words '.repeat(60)}`,
      bodyText: '',
    }));
    const result = await draftWithLlm(generator, {
      brand: 'ACME',
      tone: 'warm',
      signature: 'ACME Support',
      language: 'en',
      instructions: 'shorter',
      passages: [0, 1, 2, 3, 4].map(passage),
      history,
    });
    const prompt = generator.requests[0]!.system!;
    const promptTokens = await generator.countTokens(prompt);
    expect(promptTokens + generator.requests[0]!.maxTokens).toBeLessThanOrEqual(
      generator.contextSize,
    );
    expect(result.historyUsed).toBeLessThan(40);
    expect(result.historyUsed).toBeGreaterThanOrEqual(1);
    // The newest customer message always survives; the oldest goes first.
    expect(prompt).toContain('Message 39:');
    expect(prompt).not.toContain('Message 0:');
    expect(prompt).toContain('[1] Article 0');
    expect(prompt).toContain('Agent instructions for this version: shorter');
    expect(prompt).not.toMatch(/\{\{\w+\}\}/);
    expect(result.promptVersion).toBe('draft-reply.v2');
  });

  it('keeps customer PII out of the prompt', async () => {
    const generator = createInMemoryGenerator('ok [1]');
    await draftWithLlm(generator, {
      brand: 'ACME',
      tone: 'warm',
      signature: 'ACME Support',
      language: 'en',
      instructions: null,
      passages: [passage(0)],
      history: [
        {
          authorKind: 'customer',
          strippedText: 'My card 4111 1111 1111 1111 was charged, call +44 20 7946 0958',
          bodyText: '',
        },
      ],
    });
    const prompt = generator.requests[0]!.system!;
    expect(prompt).not.toContain('4111');
    expect(prompt).not.toContain('7946');
  });
});
