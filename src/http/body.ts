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
