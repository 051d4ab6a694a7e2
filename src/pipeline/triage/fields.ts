/**
 * Triage fields a team can teach with labels. The category is always learned (the taxonomy seeds
 * it); the queue, the priority and custom fields a routing rule matches on get a model of their
 * own once enough labelled tickets exist, and until then the rules decide.
 */
import { CATEGORY_FIELD, type Priority, priorities } from '../../db/schema/triage.js';

export { CATEGORY_FIELD };
export const QUEUE_FIELD = 'queue';
export const PRIORITY_FIELD = 'priority';

/** A field name: what CSV columns map to and routing rules match on. */
export const FIELD_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * Below these a field has no model and the rules decide: a label seen a handful of times cannot be
 * learned, and a model of two dozen tickets is worse than the rules a team wrote.
 */
export const MIN_FIELD_EXAMPLES = 30;
export const MIN_LABEL_EXAMPLES = 5;

const prioritySynonyms: Record<string, Priority> = {
  low: 'low',
  minor: 'low',
  normal: 'normal',
  medium: 'normal',
  moderate: 'normal',
  high: 'high',
  major: 'high',
  urgent: 'urgent',
  critical: 'urgent',
  emergency: 'urgent',
};

/** A helpdesk's priority name as ours (`medium` → `normal`, `critical` → `urgent`); null if unknown. */
export function normalizePriority(value: string): Priority | null {
  return prioritySynonyms[value.trim().toLowerCase()] ?? null;
}

/** A label as stored for `field`; throws on a priority the service cannot represent. */
export function normalizeFieldLabel(field: string, value: string): string {
  const label = value.trim();
  if (field !== PRIORITY_FIELD) return label;
  const priority = normalizePriority(label);
  if (!priority) {
    throw new Error(
      `priority "${label}" is not one of ${priorities.join(', ')} (or medium, critical, minor, major)`,
    );
  }
  return priority;
}

/**
 * Keeps the labels with enough examples to learn; null (with the reason) when what is left is too
 * little for a model, so the field falls back to the rules.
 */
export function trainableExamples<T extends { readonly label: string }>(
  examples: readonly T[],
): { examples: T[]; droppedLabels: string[] } | { skipped: string } {
  const counts = new Map<string, number>();
  for (const example of examples) counts.set(example.label, (counts.get(example.label) ?? 0) + 1);
  const kept = new Set([...counts].filter(([, n]) => n >= MIN_LABEL_EXAMPLES).map(([l]) => l));
  const usable = examples.filter((example) => kept.has(example.label));
  if (kept.size < 2 || usable.length < MIN_FIELD_EXAMPLES) {
    return {
      skipped: `needs ${MIN_FIELD_EXAMPLES} labelled tickets over at least two values with ${MIN_LABEL_EXAMPLES} each; has ${usable.length} over ${kept.size}`,
    };
  }
  const droppedLabels = [...counts.keys()].filter((label) => !kept.has(label)).sort();
  return { examples: usable, droppedLabels };
}
