import { describe, expect, it } from 'vitest';
import {
  MIN_FIELD_EXAMPLES,
  normalizeFieldLabel,
  normalizePriority,
  trainableExamples,
} from '../../../src/pipeline/triage/fields.js';

const labelled = (counts: Record<string, number>) =>
  Object.entries(counts).flatMap(([label, n]) =>
    Array.from({ length: n }, (_, i) => ({ text: `${label} ${i}`, label })),
  );

describe('when a field has enough labels for a model', () => {
  it('falls back to the rules below the minimum, saying why', () => {
    const few = trainableExamples(labelled({ high: 10, low: 10 }));
    expect(few).toEqual({ skipped: expect.stringContaining(`needs ${MIN_FIELD_EXAMPLES}`) });
    expect(trainableExamples(labelled({ high: 40 }))).toHaveProperty('skipped');
  });

  it('leaves out values with too few examples and keeps the rest', () => {
    const result = trainableExamples(labelled({ high: 20, low: 20, urgent: 2 }));
    expect(result).not.toHaveProperty('skipped');
    if ('skipped' in result) return;
    expect(result.examples).toHaveLength(40);
    expect(result.droppedLabels).toEqual(['urgent']);
  });

  it("maps a helpdesk's priority names to the service's and refuses unknown ones", () => {
    expect(normalizePriority('Medium')).toBe('normal');
    expect(normalizePriority('critical')).toBe('urgent');
    expect(normalizePriority('whenever')).toBeNull();
    expect(() => normalizeFieldLabel('priority', 'whenever')).toThrow(/priority "whenever"/);
    expect(normalizeFieldLabel('queue', ' Billing ')).toBe('Billing');
  });
});
