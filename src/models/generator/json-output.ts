import { z } from 'zod';
import { GeneratorOutputError, GeneratorRequestError } from './errors.js';
import type { GenerateResult, JsonSchema } from './types.js';

type Validator = (value: unknown) => string[];

// Schemas are few and reused on every ticket (one per prompt version), so compile each once.
const validators = new Map<string, Validator>();
const MAX_CACHED = 64;

/**
 * Compiles a JSON Schema into a validator (zod's JSON Schema import). Both adapters validate what
 * the model returned: a llama.cpp grammar guarantees the shape while generating, but remote
 * servers differ in how strictly they enforce `response_format`, and callers should get the same
 * guarantee from either.
 */
export function compileJsonSchema(schema: JsonSchema): Validator {
  const key = JSON.stringify(schema);
  const cached = validators.get(key);
  if (cached) return cached;
  let zodSchema: z.ZodType;
  try {
    zodSchema = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (err) {
    throw new GeneratorRequestError(
      'unsupported_schema',
      `jsonSchema is not supported: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const validate: Validator = (value) => {
    const parsed = zodSchema.safeParse(value);
    if (parsed.success) return [];
    return parsed.error.issues.map(
      (issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`,
    );
  };
  if (validators.size >= MAX_CACHED) validators.delete(validators.keys().next().value as string);
  validators.set(key, validate);
  return validate;
}

/**
 * Adds `json` to a finished result, or throws `GeneratorOutputError`. Results cut short by a
 * timeout or abort are returned unchanged: their text is partial by definition and the caller
 * already knows from `finishReason`.
 */
export function withParsedJson(result: GenerateResult, schema: JsonSchema): GenerateResult {
  if (result.finishReason === 'timeout' || result.finishReason === 'aborted') return result;
  const validate = compileJsonSchema(schema);
  let json: unknown;
  try {
    json = JSON.parse(unfence(result.text));
  } catch (err) {
    throw new GeneratorOutputError('invalid_json', result, [
      err instanceof Error ? err.message : String(err),
    ]);
  }
  const issues = validate(json);
  if (issues.length > 0) throw new GeneratorOutputError('schema_mismatch', result, issues);
  return { ...result, json };
}

/**
 * Servers that do not enforce `response_format` often wrap JSON in a Markdown code fence; accept
 * that one wrapper (nothing looser: prose around the JSON is still an error).
 */
function unfence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  return fenced ? fenced[1]! : text;
}
