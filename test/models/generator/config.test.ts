import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createInMemoryGenerator,
  GeneratorOutputError,
  generatorFromConfig,
  ModelSpecError,
  parseModelSpec,
} from '../../../src/models/generator/index.js';

describe('parseModelSpec', () => {
  it('treats unset, empty and "none" as no model', () => {
    expect(parseModelSpec()).toEqual({ kind: 'none' });
    expect(parseModelSpec('')).toEqual({ kind: 'none' });
    expect(parseModelSpec('  none ')).toEqual({ kind: 'none' });
    expect(parseModelSpec('off')).toEqual({ kind: 'none' });
  });

  it('reads a .gguf path as an in-process model', () => {
    expect(parseModelSpec('./models/qwen2.5-1.5b-instruct-q4_k_m.gguf')).toEqual({
      kind: 'llama',
      path: './models/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    });
    expect(parseModelSpec('/srv/models/Model.GGUF')).toEqual({
      kind: 'llama',
      path: '/srv/models/Model.GGUF',
    });
    expect(parseModelSpec('~/models/m.gguf')).toEqual({
      kind: 'llama',
      path: path.join(os.homedir(), 'models/m.gguf'),
    });
  });

  it('reads an http(s) URL as an OpenAI-compatible server and needs the model name', () => {
    expect(parseModelSpec('http://vllm:8000/v1', 'qwen2.5-7b')).toEqual({
      kind: 'openai',
      url: 'http://vllm:8000/v1',
      model: 'qwen2.5-7b',
    });
    // A bare host gets /v1, where vLLM, llama.cpp server and Ollama serve the API.
    expect(parseModelSpec('http://localhost:11434', 'qwen2.5:7b-instruct')).toMatchObject({
      url: 'http://localhost:11434/v1',
    });
    expect(parseModelSpec('https://llm.internal/v1/', 'm')).toMatchObject({
      url: 'https://llm.internal/v1',
    });
    expect(() => parseModelSpec('http://vllm:8000/v1', undefined, 'DRAFT_LLM')).toThrow(
      /DRAFT_LLM_MODEL is required when DRAFT_LLM is a URL/,
    );
  });

  it('explains what it expected, naming the variable', () => {
    expect(() => parseModelSpec('./models/model.bin', undefined, 'CLASSIFIER_LLM')).toThrow(
      ModelSpecError,
    );
    expect(() => parseModelSpec('./models/model.bin', undefined, 'CLASSIFIER_LLM')).toThrow(
      /CLASSIFIER_LLM: expected a path to a \.gguf file .*an http\(s\):\/\/ URL/,
    );
    expect(() => parseModelSpec('ftp://host/model.gguf', 'm', 'DRAFT_LLM')).toThrow(
      /DRAFT_LLM: unsupported scheme ftp:/,
    );
    expect(() => parseModelSpec('http://user:secret@vllm/v1', 'm', 'DRAFT_LLM')).toThrow(
      /DRAFT_LLM_API_KEY/,
    );
  });
});

describe('generatorFromConfig', () => {
  it('returns null for "none" and a generator per kind, without loading anything', () => {
    expect(generatorFromConfig({ kind: 'none' })).toBeNull();
    const llama = generatorFromConfig({ kind: 'llama', path: '/nowhere/model.gguf' });
    expect(llama?.name).toBe('gguf:model.gguf');
    expect(llama?.contextSize).toBe(4096);
    const remote = generatorFromConfig({
      ...parseModelSpec('http://vllm:8000/v1', 'qwen2.5-7b'),
      apiKey: 'k',
      contextSize: 32_768,
    });
    expect(remote?.name).toBe('openai:qwen2.5-7b@vllm:8000');
    expect(remote?.contextSize).toBe(32_768);
  });

  it('rejects incomplete configuration with the missing fields named', () => {
    expect(() => generatorFromConfig({ kind: 'llama' })).toThrow(/path: a \.gguf path is required/);
    expect(() => generatorFromConfig({ kind: 'openai', url: 'http://x/v1' })).toThrow(
      /model: the model name is required/,
    );
  });
});

describe('in-memory generator', () => {
  it('answers from a script and validates JSON like the real adapters', async () => {
    const generator = createInMemoryGenerator([
      { json: { category: 'billing', confidence: 0.8 } },
      { json: { category: 'nonsense' } },
    ]);
    const schema = {
      type: 'object',
      properties: { category: { enum: ['billing', 'shipping'] }, confidence: { type: 'number' } },
      required: ['category', 'confidence'],
    };
    const request = {
      messages: [{ role: 'user' as const, content: 'I was charged twice' }],
      maxTokens: 32,
      jsonSchema: schema,
    };
    expect((await generator.generate(request)).json).toEqual({
      category: 'billing',
      confidence: 0.8,
    });
    await expect(generator.generate(request)).rejects.toBeInstanceOf(GeneratorOutputError);
    expect(generator.requests).toHaveLength(2);
  });
});
