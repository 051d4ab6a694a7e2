import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromptRenderError, renderPrompt } from '../../src/prompts/render.js';

describe('renderPrompt', () => {
  it('fills every placeholder and leaves none behind in any shipped prompt', () => {
    const dir = path.resolve(import.meta.dirname, '../../prompts');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
      const template = readFileSync(path.join(dir, file), 'utf8');
      const keys = [...template.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);
      const out = renderPrompt(template, Object.fromEntries(keys.map((k) => [k, `<${k}>`])));
      expect(out, file).not.toMatch(/\{\{\w+\}\}/);
    }
  });
  it('does not re-scan inserted values (ticket text cannot inject placeholders)', () => {
    expect(renderPrompt('A {{ticket}} B', { ticket: '{{categories}}' })).toBe('A {{categories}} B');
  });
  it('throws on missing and unused values', () => {
    expect(() => renderPrompt('{{a}}', {})).toThrow(PromptRenderError);
    expect(() => renderPrompt('{{a}}', { a: '1', b: '2' })).toThrow(PromptRenderError);
  });
});
