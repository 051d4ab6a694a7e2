import type { TaxonomyCategory } from '../../db/schema/triage.js';
import type { Prediction } from '../../models/classifier/index.js';
import type { Generator } from '../../models/generator/types.js';
import { loadPrompt, renderPrompt } from '../../prompts/render.js';

export interface LlmTriageAnswer {
  category: string | null;
  confidence: number;
  output: unknown;
  promptVersion: string;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
}

/**
 * The LLM tier: the small instruct model sees the taxonomy, labelled examples of the categories
 * the classifier found most likely (the nearest labels as few-shot context) and the redacted
 * ticket, and must answer with JSON constrained by a schema whose enum is the category list.
 */
export async function askTriageLlm(
  generator: Generator,
  input: { text: string; categories: TaxonomyCategory[]; prediction: Prediction },
): Promise<LlmTriageAnswer> {
  const names = input.categories.map((c) => c.name);
  const nearest = input.prediction.scores.map((s) => s.label).slice(0, 3);
  const examples = input.categories
    .filter((c) => nearest.includes(c.name))
    .flatMap((c) => c.examples.slice(0, 3).map((e) => `- ${c.name}: ${e}`))
    .join('\n');
  const { template, id } = loadPrompt('triage-classify', 'v1');
  const maxTokens = 64;
  // Fit the context deliberately: drop examples first, then descriptions, then shorten the ticket.
  const attempts = [
    { describe: true, withExamples: true, ticketChars: 4_000 },
    { describe: true, withExamples: false, ticketChars: 4_000 },
    { describe: false, withExamples: false, ticketChars: 2_000 },
    { describe: false, withExamples: false, ticketChars: 600 },
    { describe: false, withExamples: false, ticketChars: 200 },
  ];
  let prompt = '';
  for (const attempt of attempts) {
    prompt = renderPrompt(template, {
      categories: input.categories
        .map((c) => (attempt.describe ? `- ${c.name}: ${c.description}` : `- ${c.name}`))
        .join('\n'),
      examples: (attempt.withExamples && examples) || '(none)',
      ticket: input.text.slice(0, attempt.ticketChars),
    });
    if ((await generator.countTokens(prompt)) + maxTokens + 32 <= generator.contextSize) break;
  }
  const result = await generator.generate({
    messages: [{ role: 'user', content: prompt }],
    maxTokens,
    temperature: 0,
    timeoutMs: 30_000,
    jsonSchema: {
      type: 'object',
      properties: {
        category: { type: 'string', enum: names },
        confidence: { type: 'number' },
      },
      required: ['category', 'confidence'],
    },
  });
  const json = result.json as { category?: unknown; confidence?: unknown } | undefined;
  const category =
    typeof json?.category === 'string' && names.includes(json.category) ? json.category : null;
  const raw = typeof json?.confidence === 'number' ? json.confidence : 0.5;
  return {
    category,
    confidence: Math.min(1, Math.max(0, raw)),
    output: json ?? result.text,
    promptVersion: id,
    latencyMs: result.latencyMs,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
  };
}
