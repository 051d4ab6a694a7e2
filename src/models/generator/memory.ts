import { withParsedJson } from './json-output.js';
import type { GenerateRequest, GenerateResult, Generator } from './types.js';

/**
 * What the in-memory generator answers: text, or (for JSON-schema requests) any value, which is
 * serialised and then parsed and validated exactly like a real model's output.
 */
export type ScriptedAnswer =
  | string
  | { json: unknown }
  | ((request: GenerateRequest) => string | { json: unknown });

export interface InMemoryGenerator extends Generator {
  /** Every request received, oldest first (for assertions on prompts). */
  readonly requests: GenerateRequest[];
}

/**
 * A generator for unit tests of triage and drafting: no model, deterministic answers. Answers are
 * used in order; the last one repeats. Token counts are whitespace-separated words.
 */
export function createInMemoryGenerator(
  answers: ScriptedAnswer | ScriptedAnswer[],
  options: { name?: string; contextSize?: number } = {},
): InMemoryGenerator {
  const script = Array.isArray(answers) ? answers : [answers];
  const name = options.name ?? 'memory';
  const requests: GenerateRequest[] = [];
  const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
  return {
    name,
    contextSize: options.contextSize ?? 8192,
    requests,
    load: async () => {},
    countTokens: async (text) => words(text),
    close: async () => {},
    generate: async (request) => {
      requests.push(request);
      const prompt = [request.system ?? '', ...request.messages.map((m) => m.content)].join('\n');
      if (request.signal?.aborted) {
        return result('', 'aborted');
      }
      const entry = script[Math.min(requests.length - 1, script.length - 1)];
      const answer = typeof entry === 'function' ? entry(request) : entry;
      const text = typeof answer === 'string' ? answer : JSON.stringify(answer?.json);
      // Streamed word by word, as a model would (the pieces concatenate to the text).
      for (const piece of text.match(/\s*\S+|\s+$/g) ?? []) request.onText?.(piece);
      const output = result(text, 'stop');
      return request.jsonSchema ? withParsedJson(output, request.jsonSchema) : output;

      function result(text: string, finishReason: GenerateResult['finishReason']): GenerateResult {
        return {
          text,
          model: name,
          promptTokens: words(prompt),
          completionTokens: words(text),
          latencyMs: 0,
          finishReason,
        };
      }
    },
  };
}
