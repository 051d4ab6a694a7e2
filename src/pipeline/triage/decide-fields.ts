/**
 * How each triage field gets its value: the field's model when it has one (with the terms that
 * drove it), then the rules a team can see (outage words, VIP, routing rules) as overrides with
 * their reason; without a model, the rules alone, labelled as such.
 */
import type { FieldDecision, Priority } from '../../db/schema/triage.js';
import type { Prediction, TermContribution } from '../../models/classifier/index.js';
import type { LoadedClassifier } from '../../models/classifier/store.js';
import type { Embedder } from '../../models/embedder/types.js';
import { predictCategory } from './classifier-store.js';
import { CATEGORY_FIELD, normalizePriority, PRIORITY_FIELD } from './fields.js';
import type { RoutingDecision } from './routing.js';
import { decidePriority, type PriorityInput, priorityOverrides } from './signals.js';

/** Terms shown beside a decision. */
export const EXPLANATION_TERMS = 5;

export interface FieldModelAnswer {
  readonly field: string;
  readonly version: number;
  readonly prediction: Prediction;
  readonly explanation: TermContribution[];
  readonly latencyMs: number;
}

/** Runs one field's model on the (redacted) text and explains its answer. */
export async function askFieldModel(
  field: string,
  loaded: LoadedClassifier,
  text: string,
  embedder: Embedder | undefined,
): Promise<FieldModelAnswer> {
  const started = performance.now();
  const prediction = await predictCategory(loaded, text, embedder);
  const latencyMs = Math.round(performance.now() - started);
  return {
    field,
    version: loaded.version,
    prediction,
    explanation: loaded.classifier.explain(text, prediction.label, EXPLANATION_TERMS),
    latencyMs,
  };
}

/** Every field model except the category's, asked about the text. */
export async function askFieldModels(
  models: ReadonlyMap<string, LoadedClassifier>,
  text: string,
  embedder: Embedder | undefined,
): Promise<Map<string, FieldModelAnswer>> {
  const answers = new Map<string, FieldModelAnswer>();
  for (const [field, loaded] of models) {
    if (field === CATEGORY_FIELD) continue;
    answers.set(field, await askFieldModel(field, loaded, text, embedder));
  }
  return answers;
}

export function modelDecision(answer: FieldModelAnswer, value = answer.prediction.label) {
  return {
    value,
    decidedBy: 'classifier',
    confidence: answer.prediction.confidence,
    modelVersion: answer.version,
    override: null,
    reasons: [],
    explanation: answer.explanation,
  } satisfies FieldDecision;
}

export function rulesDecision(value: string, reasons: readonly string[]): FieldDecision {
  return {
    value,
    decidedBy: 'rules',
    confidence: null,
    modelVersion: null,
    override: null,
    reasons: [...reasons],
    explanation: [],
  };
}

/**
 * Priority before routing rules: the model's answer raised by outage words and VIP requesters, or,
 * without a priority model, the rules (category default, outage and failure words, VIP, sentiment).
 */
export function decidePriorityField(
  answer: FieldModelAnswer | undefined,
  rules: PriorityInput,
): FieldDecision {
  const learned = answer ? normalizePriority(answer.prediction.label) : null;
  if (!answer || !learned) {
    const { priority, reasons } = decidePriority(rules);
    return rulesDecision(priority, reasons);
  }
  const { priority, reasons } = priorityOverrides(learned, rules);
  return {
    ...modelDecision(answer, priority),
    override: priority === learned ? null : { from: learned, reason: reasons.join(', ') },
    reasons,
  };
}

/** Applies what the routing rules decided to the field decisions, recording each override. */
export function applyRouting(
  decisions: Record<string, FieldDecision>,
  answers: ReadonlyMap<string, FieldModelAnswer>,
  routing: RoutingDecision,
): Record<string, FieldDecision> {
  const out = { ...decisions };
  const priority = out[PRIORITY_FIELD];
  if (priority && routing.setBy.priority && routing.priority !== priority.value) {
    out[PRIORITY_FIELD] = {
      ...priority,
      value: routing.priority as Priority,
      override: {
        from: priority.override?.from ?? priority.value,
        reason: `routing rule "${routing.setBy.priority}"`,
      },
    };
  }
  for (const field of ['queue', 'team'] as const) {
    const value = routing[field];
    const answer = answers.get(field);
    const setBy = routing.setBy[field];
    if (answer) {
      const learned = answer.prediction.label;
      out[field] = {
        ...modelDecision(answer, value ?? learned),
        override:
          setBy && value !== learned ? { from: learned, reason: `routing rule "${setBy}"` } : null,
      };
    } else if (value !== null) {
      out[field] = rulesDecision(value, setBy ? [`routing rule "${setBy}"`] : []);
    }
  }
  return out;
}
