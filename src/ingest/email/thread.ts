import { withMoved } from '../../offload/pool.js';
import { finalizeEmail } from './build.js';
import { EmailParseError } from './errors.js';
import { parseRawEmailHere } from './parse.js';
import type { ThreadFinalizeTask, ThreadParseTask, ThreadResult } from './thread-types.js';
import type { InboundEmail } from './types.js';

// What the worker threads of src/offload/pool.ts run for a large message: the very functions
// intake runs inline on small ones (thread-types.ts says what crosses and how).

async function settle(work: () => InboundEmail | Promise<InboundEmail>): Promise<ThreadResult> {
  let email: InboundEmail;
  try {
    email = await work();
  } catch (error) {
    if (!(error instanceof EmailParseError)) throw error;
    return { ok: false, code: error.code, message: error.message, field: error.field };
  }
  const encoder = new TextEncoder();
  const text = encoder.encode(email.text);
  const html = email.html === null ? null : encoder.encode(email.html);
  // Each has an ArrayBuffer of its own (never Buffer's shared pool), so the whole of it can move.
  const buffers = [text, ...(html ? [html] : [])]
    .filter((bytes) => bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    .map((bytes) => bytes.buffer as ArrayBuffer);
  return withMoved({ ok: true, email: { ...email, text, html } }, buffers);
}

export function parseMime(task: ThreadParseTask): Promise<ThreadResult> {
  const raw = Buffer.from(task.raw.buffer, task.raw.byteOffset, task.raw.byteLength);
  return settle(() => parseRawEmailHere(raw, task.opts, task.extras));
}

export function finalize(task: ThreadFinalizeTask): Promise<ThreadResult> {
  return settle(() => finalizeEmail(task.core, task.opts));
}
