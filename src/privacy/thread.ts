import { type RedactionResult, type RedactOptions, redactPII } from './redact.js';

/** What the worker threads of src/offload/pool.ts run for `redactPIIOffLoop`. */
export function redact(task: { text: string; opts: RedactOptions }): RedactionResult {
  return redactPII(task.text, task.opts);
}
