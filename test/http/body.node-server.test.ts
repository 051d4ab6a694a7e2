import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRawBody } from '../../src/http/body.js';
import { AppError } from '../../src/http/errors.js';

/*
 * readRawBody reads the Node request directly under @hono/node-server (app.request() in the other
 * tests never gets there), so this file drives it over a real socket.
 */

const limit = 1_000;
let server: ServerType;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  const app = new Hono();
  app.post('/echo', async (c) => {
    const raw = await readRawBody(c, limit);
    return c.json({ bytes: raw.length, hex: raw.toString('hex') });
  });
  app.onError((err, c) =>
    err instanceof AppError ? c.json({ code: err.code }, err.status) : c.json({}, 500),
  );
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      port = (info as AddressInfo).port;
      resolve();
    });
  });
});
afterAll(async () => {
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends the chunks (chunked encoding unless a length is declared) and returns status and body. */
function post(chunks: Buffer[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Record<string, unknown>; reused: boolean }>(
    (resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/echo', method: 'POST', agent, headers },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}'),
              reused: req.reusedSocket,
            }),
          );
        },
      );
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    },
  );
}

describe('readRawBody on a real Node server', () => {
  it('returns the exact bytes, declared length or chunked, across chunk boundaries', async () => {
    const text = Buffer.from('{"subject":"Café ☕ — 9007199254740993"}', 'utf8');
    const declared = await post([text], { 'content-length': String(text.length) });
    expect(declared).toMatchObject({ status: 200, body: { hex: text.toString('hex') } });
    // Split inside a multi-byte character: bytes are joined, not decoded per chunk.
    const chunked = await post([text.subarray(0, 12), text.subarray(12, 13), text.subarray(13)]);
    expect(chunked).toMatchObject({ status: 200, body: { hex: text.toString('hex') } });
    expect(await post([])).toMatchObject({ status: 200, body: { bytes: 0 } });
  });

  it('413 for a declared length over the cap, and for a chunked body that grows past it', async () => {
    const declared = await post([Buffer.alloc(limit + 1)], {
      'content-length': String(limit + 1),
    });
    expect(declared).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(400, 0x61));
    expect(await post(chunks)).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    // The rest of the oversized body was drained, so the connection still serves requests.
    const next = await post([Buffer.from('ok')]);
    expect(next).toMatchObject({ status: 200, body: { bytes: 2 }, reused: true });
  });
});
