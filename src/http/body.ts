import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { AppError } from './errors.js';

/** 415 unless the request's media type is one of `accepted` (parameters such as charset ignored). */
export function requireMediaType(c: Context, accepted: string[]): string {
  const header = c.req.header('content-type') ?? '';
  const media = header.split(';')[0]!.trim().toLowerCase();
  if (!accepted.includes(media)) {
    throw new AppError(
      'unsupported_media_type',
      `Content-Type must be ${accepted.join(' or ')} (got ${media || 'none'})`,
    );
  }
  return media;
}

/**
 * Reads the raw body with a hard cap. The declared Content-Length is checked before reading, and
 * the stream is abandoned as soon as it passes the cap, so an oversized body is never buffered.
 * (Hono's bodyLimit middleware does the same but re-wraps the stream; we need the bytes for
 * signature checks anyway, so one small function is simpler.)
 */
export async function readRawBody(c: Context, maxBytes: number): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new AppError('payload_too_large', `Body exceeds the ${maxBytes}-byte limit`);
  }
  // Under @hono/node-server, read the Node request itself: touching c.req.raw.body would build a
  // full web Request (AbortSignal, ReadableStream over the socket), a measurable share of
  // webhook CPU. app.request() in tests has no Node request and takes the web-stream path.
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (incoming instanceof IncomingMessage && !incoming.readableDidRead) {
    return readIncoming(incoming, maxBytes);
  }
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new AppError('payload_too_large', `Body exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        // Stop keeping bytes: with no listener left, the rest is read off the wire and dropped,
        // so the 413 can still be answered on this connection.
        done();
        incoming.resume();
        reject(new AppError('payload_too_large', `Body exceeds the ${maxBytes}-byte limit`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      if (incoming.readableEnded) return onEnd();
      done();
      reject(new Error('client closed the connection before the body was complete'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** Parses JSON from raw bytes; a syntax error is the client's fault (400), not ours. */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new AppError(
      'bad_request',
      `Body is not valid JSON: ${err instanceof Error ? err.message : 'parse error'}`,
    );
  }
}
