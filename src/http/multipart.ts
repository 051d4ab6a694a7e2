import { createHash } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import type { Context } from 'hono';
import type { UploadedFile } from '../ingest/email/providers/shared.js';
import { AppError } from './errors.js';

/**
 * Streams a multipart or urlencoded webhook body through busboy: file parts are hashed and counted
 * as they pass and never held; text fields are kept (up to the body limit, which is counted on the
 * wire). `onField` sees each text field as soon as it is complete and may throw to stop reading
 * at once: the Mailgun route checks its signature there, before the rest of the body arrives.
 *
 * Why not `Request.formData()`: it buffers the whole body, then materialises every part as a
 * string or Blob, several copies at once (a 25 MB form peaked near 870 MB), and it can only be
 * used once the body is complete.
 */
export interface StreamedForm {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export interface FormLimits {
  maxBytes: number;
  /** Text fields and files; a provider's form has a few dozen fields. */
  maxParts?: number;
}

const DEFAULT_MAX_PARTS = 2_000;

export async function streamWebhookForm(
  c: Context,
  limits: FormLimits,
  onField?: (name: string, fields: Readonly<Record<string, string>>) => void,
): Promise<StreamedForm> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    throw new AppError('payload_too_large', `Body exceeds the ${limits.maxBytes}-byte limit`);
  }
  const source = bodySource(c);
  if (!source) throw new AppError('bad_request', 'Body is empty: expected a form');
  const maxParts = limits.maxParts ?? DEFAULT_MAX_PARTS;

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': c.req.header('content-type') ?? '' },
      limits: {
        fieldSize: limits.maxBytes,
        fieldNameSize: 200,
        fields: maxParts,
        files: maxParts,
        parts: maxParts,
      },
      defParamCharset: 'utf8',
    });
  } catch {
    source.destroy();
    throw new AppError(
      'bad_request',
      'Body is not a well-formed form (check the multipart boundary)',
    );
  }

  // No prototype, so a field named `__proto__` or `constructor` is just a field.
  const fields: Record<string, string> = Object.create(null);
  const pending: Promise<UploadedFile>[] = [];
  return new Promise<StreamedForm>((resolve, reject) => {
    let settled = false;
    let received = 0;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      source.unpipe(parser);
      // Drop what is still on the wire instead of buffering it; the answer can still be sent.
      source.resume();
      parser.removeAllListeners();
      parser.on('error', () => {});
      reject(err);
    };
    source.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received > limits.maxBytes) {
        fail(new AppError('payload_too_large', `Body exceeds the ${limits.maxBytes}-byte limit`));
      }
    });
    source.on('error', fail);
    parser.on('field', (name, value, info) => {
      if (settled) return;
      if (info.valueTruncated || info.nameTruncated) {
        fail(new AppError('payload_too_large', `Form field ${name.slice(0, 50)} is too large`));
        return;
      }
      if (Object.hasOwn(fields, name)) return; // repeated fields keep their first value
      fields[name] = value;
      try {
        onField?.(name, fields);
      } catch (err) {
        fail(err);
      }
    });
    parser.on('file', (name, stream, info) => {
      if (settled) {
        stream.resume();
        return;
      }
      pending.push(
        new Promise<UploadedFile>((done, failed) => {
          const hash = createHash('sha256');
          let size = 0;
          stream.on('data', (chunk: Buffer) => {
            size += chunk.byteLength;
            hash.update(chunk);
          });
          stream.on('error', failed);
          stream.on('end', () =>
            done({
              fieldName: name,
              filename: info.filename && info.filename !== 'blob' ? info.filename : null,
              contentType: info.mimeType || 'application/octet-stream',
              size,
              sha256: hash.digest('hex'),
            }),
          );
        }),
      );
    });
    parser.on('partsLimit', () => fail(new AppError('payload_too_large', 'Too many form parts')));
    parser.on('filesLimit', () => fail(new AppError('payload_too_large', 'Too many files')));
    parser.on('fieldsLimit', () => fail(new AppError('payload_too_large', 'Too many form fields')));
    parser.on('error', () =>
      fail(
        new AppError(
          'bad_request',
          'Body is not a well-formed form (check the multipart boundary)',
        ),
      ),
    );
    parser.on('close', () => {
      if (settled) return;
      Promise.all(pending).then((files) => {
        if (settled) return;
        settled = true;
        resolve({ fields, files });
      }, fail);
    });
    source.pipe(parser);
  });
}

function bodySource(c: Context): Readable | null {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (incoming instanceof IncomingMessage && !incoming.readableDidRead) return incoming;
  const stream = c.req.raw.body;
  return stream ? Readable.fromWeb(stream as unknown as NodeWebReadableStream) : null;
}
