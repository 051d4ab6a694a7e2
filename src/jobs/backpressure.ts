/**
 * What the overload monitor tells the rest of the process (the draft worker pauses, the generic
 * webhook sheds). The contract only: `src/queue/backpressure.ts` samples the queues and the event
 * loop and implements it; the process builds one at boot into the dependency container.
 */
export interface Backpressure {
  /** The generic webhook should answer 429 now. */
  intakeShedding(): boolean;
  /** Drafting should not take new jobs in this process now. */
  draftPaused(): boolean;
  /** Called whenever `draftPaused()` flips. */
  onDraftPausedChange(listener: (paused: boolean) => void): void;
  /** Counts a refused request (for the shed counter). */
  recordShed(): void;
  /** One sampling pass (the timer calls it; tests call it directly). */
  sample(): Promise<void>;
  start(): void;
  stop(): void;
}
