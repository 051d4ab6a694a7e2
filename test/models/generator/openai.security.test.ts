import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOpenAICompatibleGenerator,
  GeneratorRequestError,
} from '../../../src/models/generator/index.js';

/** Finding 14: the model HTTP client follows no redirect and never repeats a server's body. */
const servers: Server[] = [];
async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

const SECRET_PROMPT = 'Customer card 4111 1111 1111 1111, address 1 Private Lane';

async function failure(baseUrl: string) {
  const generator = createOpenAICompatibleGenerator({
    baseUrl,
    model: 'm',
    apiKey: 'sk-test-key',
    timeoutMs: 5_000,
    maxRetryDelayMs: 100,
  });
  try {
    await generator.generate({
      messages: [{ role: 'user', content: SECRET_PROMPT }],
      maxTokens: 16,
    });
  } catch (err) {
    return err as GeneratorRequestError;
  }
  throw new Error('expected a failure');
}

describe('OpenAI-compatible client hardening', () => {
  it('does not follow a redirect: the prompt and the key never reach the other host', async () => {
    let reachedElsewhere = 0;
    const elsewhere = await serve((_req, res) => {
      reachedElsewhere++;
      res.end('{}');
    });
    for (const code of [301, 302, 307, 308]) {
      const redirecting = await serve((_req, res) => {
        res.writeHead(code, { location: `${elsewhere}/v1/chat/completions` });
        res.end();
      });
      const err = await failure(`${redirecting}/v1`);
      expect(err).toBeInstanceOf(GeneratorRequestError);
      expect(err.message).toContain(`redirect (${code})`);
    }
    expect(reachedElsewhere).toBe(0);
  });

  it('an error answer is described by status and size, never by its body', async () => {
    const echoing = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `bad request: ${body}` }));
      });
    });
    const err = await failure(`${echoing}/v1`);
    expect(err.message).toMatch(/answered 400 \(\d+-byte body\)/);
    expect(err.message).not.toContain('4111');
    expect(err.message).not.toContain('Private Lane');
  });

  it('a non-JSON success body is not repeated either', async () => {
    const html = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>${SECRET_PROMPT}</html>`);
    });
    const err = await failure(`${html}/v1`);
    expect(err.message).not.toContain('4111');
  });
});
