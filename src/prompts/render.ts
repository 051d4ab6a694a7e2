import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const promptsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prompts');
const cache = new Map<string, string>();

/** Loads `prompts/<name>.<version>.md` once per process. The version is recorded with every call. */
export function loadPrompt(name: string, version: string): { template: string; id: string } {
  const id = `${name}.${version}`;
  let template = cache.get(id);
  if (template === undefined) {
    template = readFileSync(path.join(promptsDir, `${id}.md`), 'utf8');
    cache.set(id, template);
  }
  return { template, id };
}

export class PromptRenderError extends Error {}

/**
 * Fills `{{name}}` placeholders. Values are inserted verbatim (never re-scanned, so ticket text
 * containing `{{…}}` cannot inject a placeholder); a missing value or an unknown placeholder throws.
 */
export function renderPrompt(template: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined)
      throw new PromptRenderError(`prompt placeholder {{${key}}} has no value`);
    used.add(key);
    return value;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0)
    throw new PromptRenderError(`values not used by the prompt: ${unused.join(', ')}`);
  return out;
}
