import { parseRawEmail, THREAD_PARSE_BYTES } from '../../src/ingest/email/parse.js';
import { redactPIIOffLoop, THREAD_REDACT_CHARS } from '../../src/privacy/redact.js';

/**
 * Starts the worker threads (src/offload/pool.ts) and loads their modules, for tests that bound
 * the wall time of their first large input: under vitest a thread also compiles the TypeScript it
 * loads (seconds on a busy machine), which is neither production's cost nor what they measure.
 */
export async function warmThreads(): Promise<void> {
  const body = 'warm-up line\r\n'.repeat(Math.ceil(THREAD_PARSE_BYTES / 14) + 1);
  await parseRawEmail(
    Buffer.from(`From: warm@example.org\r\nSubject: warm-up\r\n\r\n${body}`, 'utf8'),
    { maxAttachmentBytes: 1_000 },
  );
  await redactPIIOffLoop('warm-up '.repeat(Math.ceil(THREAD_REDACT_CHARS / 8) + 1));
}
