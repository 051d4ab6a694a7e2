/**
 * The trained classifiers a deployment holds, one per triage field. The contract only: the store
 * that trains and loads them from the database is `src/pipeline/triage/classifier-store.ts`,
 * built once at boot into the dependency container.
 */
import type { TrainedClassifier } from './model.js';

export interface LoadedClassifier {
  classifier: TrainedClassifier;
  version: number;
}

export interface TrainResult {
  /** The category model's new version and evaluation. */
  version: number;
  metrics: Record<string, unknown>;
  /** Every other labelled field: its new model, or why it has none (the rules decide it). */
  fields: Record<
    string,
    { version: number; metrics: Record<string, unknown> } | { skipped: string }
  >;
}

export interface ClassifierStore {
  /** The newest category classifier; trains the first one from the starter taxonomy if none. */
  current(): Promise<LoadedClassifier>;
  /**
   * The newest model of another triage field (`queue`, `priority`, a custom field), or null when
   * the field has too few labels for one: the rules decide it then.
   */
  forField(field: string): Promise<LoadedClassifier | null>;
  /** Every field's newest model, keyed by field (the category included). */
  all(): Promise<ReadonlyMap<string, LoadedClassifier>>;
  /** Trains every field on everything labelled now, stores new versions with their evaluations. */
  retrain(): Promise<TrainResult>;
  /** How many labelled examples the current model learned from (cold-start detection). */
  trainedOn(): number;
}
