import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenAICompatibleGenerator,
  GeneratorOutputError,
  GeneratorRequestError,
  parseRetryAfter,
} from '../../../src/models/generator/index.js';

type Handler = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => void;

/** A local stand-in for vLLM / llama.cpp server / Ollama: scripted responses, recorded requests. */
class FakeOpenAIServer {
  readonly requests: Array<{
    path: string;
    headers: IncomingMessage['headers'];
    body: Record<string, unknown>;
  }> = [];
  private handlers: Handler[] = [];
  private server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      this.requests.push({ path: req.url ?? '', headers: req.headers, body });
      const handler = this.handlers.shift() ?? ((_, __, r) => completion(r, 'default answer'));
      handler(req, body, res);
    });
  });
  url = '';

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
  /** Queue responses for the next requests, in order. */
  script(...handlers: Handler[]): void {
    this.handlers.push(...handlers);
  }
  reset(): void {
    this.handlers = [];
    this.requests.length = 0;
  }
}

function completion(
  res: ServerResponse,
  content: string,
  extra: { finish_reason?: string; usage?: object | null } = {},
): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content },
          finish_reason: extra.finish_reason ?? 'stop',
        },
      ],
      ...(extra.usage === null
        ? {}
        : { usage: extra.usage ?? { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 } }),
    }),
  );
}

/** A streamed completion: one `data:` event per piece, `pauseMs` apart, then usage and [DONE]. */
function streamed(pieces: string[], pauseMs = 5): Handler {
  return (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const events = [
      ...pieces.map((content) => ({ choices: [{ index: 0, delta: { content } }] })),
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage: { prompt_tokens: 30, completion_tokens: pieces.length } },
    ];
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i < events.length) {
        // Events may arrive split across TCP writes: send each in two halves.
        const line = `data: ${JSON.stringify(events[i++])}\n\n`;
        res.write(line.slice(0, 7));
        res.write(line.slice(7));
        setTimeout(next, pauseMs);
      } else res.end('data: [DONE]\n\n');
    };
    next();
  };
}

function status(code: number, headers: Record<string, string> = {}): Handler {
  return (_req, _body, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { message: `status ${code}` } }));
  };
}

const schema = {
  type: 'object',
  properties: { category: { enum: ['billing', 'shipping'] }, confidence: { type: 'number' } },
  required: ['category', 'confidence'],
};

describe('OpenAI-compatible generator', () => {
  const server = new FakeOpenAIServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  afterEach(() => server.reset());

  const generator = (
    overrides: Partial<Parameters<typeof createOpenAICompatibleGenerator>[0]> = {},
  ) =>
    createOpenAICompatibleGenerator({
      baseUrl: server.url,
      model: 'qwen2.5-7b-instruct',
      timeoutMs: 5_000,
      maxRetryDelayMs: 2_000,
      ...overrides,
    });

  it('posts a chat completion and maps text, usage and finish reason', async () => {
    server.script((_req, _body, res) => completion(res, 'Your parcel ships tomorrow.'));
    const result = await generator({ apiKey: 'sk-local' }).generate({
      system: 'You are a support agent.',
      messages: [
        { role: 'user', content: 'Where is my parcel?' },
        { role: 'assistant', content: 'Let me check.' },
        { role: 'user', content: 'Thanks' },
      ],
      maxTokens: 64,
      stop: ['\n\n'],
    });
    expect(result).toMatchObject({
      text: 'Your parcel ships tomorrow.',
      promptTokens: 42,
      completionTokens: 7,
      finishReason: 'stop',
    });
    expect(result.model).toMatch(/^openai:qwen2\.5-7b-instruct@127\.0\.0\.1:\d+$/);
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-local');
    expect(request?.body).toMatchObject({
      model: 'qwen2.5-7b-instruct',
      max_tokens: 64,
      temperature: 0,
      stop: ['\n\n'],
      messages: [
        { role: 'system', content: 'You are a support agent.' },
        { role: 'user', content: 'Where is my parcel?' },
        { role: 'assistant', content: 'Let me check.' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(request?.body).not.toHaveProperty('response_format');
  });

  it('sends the JSON schema both ways and returns the parsed, validated answer', async () => {
    server.script((_req, _body, res) =>
      completion(res, '{"category":"shipping","confidence":0.9}'),
    );
    const result = await generator().generate({
      messages: [{ role: 'user', content: 'Where is my parcel?' }],
      maxTokens: 64,
      jsonSchema: schema,
    });
    expect(result.json).toEqual({ category: 'shipping', confidence: 0.9 });
    expect(server.requests[0]?.body).toMatchObject({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'response', schema, strict: true },
      },
      json_schema: schema,
    });
  });

  it('can leave out the llama.cpp json_schema field for strict servers', async () => {
    server.script((_req, _body, res) => completion(res, '{"category":"billing","confidence":1}'));
    await generator({ llamaCppJsonSchemaField: false }).generate({
      messages: [{ role: 'user', content: 'Refund?' }],
      maxTokens: 64,
      jsonSchema: schema,
    });
    expect(server.requests[0]?.body).not.toHaveProperty('json_schema');
  });

  it('accepts JSON wrapped in a Markdown fence, rejects prose and schema mismatches', async () => {
    server.script(
      (_req, _body, res) =>
        completion(res, '```json\n{"category":"billing","confidence":0.5}\n```'),
      (_req, _body, res) => completion(res, 'Sure! The category is billing.'),
      (_req, _body, res) => completion(res, '{"category":"returns","confidence":0.5}'),
    );
    const g = generator();
    const request = {
      messages: [{ role: 'user' as const, content: 'x' }],
      maxTokens: 64,
      jsonSchema: schema,
    };
    expect((await g.generate(request)).json).toEqual({ category: 'billing', confidence: 0.5 });
    await expect(g.generate(request)).rejects.toMatchObject({
      name: 'GeneratorOutputError',
      reason: 'invalid_json',
    });
    const mismatch = await g.generate(request).catch((err: unknown) => err);
    expect(mismatch).toBeInstanceOf(GeneratorOutputError);
    expect((mismatch as GeneratorOutputError).reason).toBe('schema_mismatch');
    expect((mismatch as GeneratorOutputError).issues.join()).toContain('category');
    expect((mismatch as GeneratorOutputError).result.text).toContain('returns');
  });

  it('maps finish_reason "length" and estimates tokens when usage is missing', async () => {
    server.script((_req, _body, res) =>
      completion(res, 'Dear customer, thank you for', { finish_reason: 'length', usage: null }),
    );
    const result = await generator().generate({
      messages: [{ role: 'user', content: 'Write a reply.' }],
      maxTokens: 6,
    });
    expect(result.finishReason).toBe('length');
    expect(result.promptTokens).toBeGreaterThan(0);
    expect(result.completionTokens).toBeGreaterThan(0);
  });

  it('retries a 429 after the Retry-After delay, then succeeds', async () => {
    const seen: number[] = [];
    server.script(
      (req, body, res) => {
        seen.push(Date.now());
        status(429, { 'retry-after': '1' })(req, body, res);
      },
      (_req, _body, res) => {
        seen.push(Date.now());
        completion(res, 'after the wait');
      },
    );
    const result = await generator().generate({
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 16,
    });
    expect(result.text).toBe('after the wait');
    expect(server.requests).toHaveLength(2);
    // Honoured, not just retried: the second attempt came no sooner than the server asked.
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(950);
  });

  it('retries 5xx with backoff and gives up after maxRetries with a typed error', async () => {
    server.script(status(503), status(502), (_req, _body, res) => completion(res, 'recovered'));
    expect(
      (await generator().generate({ messages: [{ role: 'user', content: 'a' }], maxTokens: 4 }))
        .text,
    ).toBe('recovered');

    server.reset();
    server.script(status(500), status(500), status(500));
    const error = await generator({ maxRetries: 2 })
      .generate({ messages: [{ role: 'user', content: 'a' }], maxTokens: 4 })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GeneratorRequestError);
    expect(error).toMatchObject({ code: 'http', status: 500, retryable: true });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry other 4xx, and gives up at once when Retry-After exceeds the bound', async () => {
    server.script(status(400));
    await expect(
      generator().generate({ messages: [{ role: 'user', content: 'a' }], maxTokens: 4 }),
    ).rejects.toMatchObject({ code: 'http', status: 400, retryable: false });
    expect(server.requests).toHaveLength(1);

    server.reset();
    server.script(status(429, { 'retry-after': '3600' }));
    await expect(
      generator().generate({ messages: [{ role: 'user', content: 'a' }], maxTokens: 4 }),
    ).rejects.toMatchObject({ code: 'http', status: 429 });
    expect(server.requests).toHaveLength(1);
  });

  it('returns finishReason "timeout" when the server does not answer in time', async () => {
    server.script(() => {
      // Never answer: the request hangs until the client gives up.
    });
    const result = await generator().generate({
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 16,
      timeoutMs: 200,
    });
    expect(result).toMatchObject({ finishReason: 'timeout', text: '' });
  });

  it('returns finishReason "aborted" when the caller aborts', async () => {
    server.script(() => {});
    const controller = new AbortController();
    const pending = generator().generate({
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 16,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    expect((await pending).finishReason).toBe('aborted');
  });

  it('reports an unreachable server as a network error after bounded retries', async () => {
    const g = createOpenAICompatibleGenerator({
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'm',
      timeoutMs: 5_000,
      maxRetries: 1,
      maxRetryDelayMs: 50,
    });
    await expect(
      g.generate({ messages: [{ role: 'user', content: 'a' }], maxTokens: 4 }),
    ).rejects.toMatchObject({ name: 'GeneratorRequestError', code: 'network', retryable: true });
  });

  it('rejects a 2xx body that is not a chat completion', async () => {
    server.script((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy login</html>');
    });
    await expect(
      generator().generate({ messages: [{ role: 'user', content: 'a' }], maxTokens: 4 }),
    ).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('streams server-sent events to onText as they arrive, and returns the whole answer', async () => {
    server.script(streamed(['Your ', 'parcel ', 'ships ', 'tomorrow [1].'], 30));
    const seen: Array<{ chunk: string; at: number }> = [];
    const started = Date.now();
    const result = await generator().generate({
      messages: [{ role: 'user', content: 'Where is my parcel?' }],
      maxTokens: 64,
      onText: (chunk) => seen.push({ chunk, at: Date.now() - started }),
    });
    expect(server.requests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(seen.map((s) => s.chunk)).toEqual(['Your ', 'parcel ', 'ships ', 'tomorrow [1].']);
    // Delivered while the server was still writing, not all at the end.
    expect(seen.at(-1)!.at - seen[0]!.at).toBeGreaterThanOrEqual(60);
    expect(result).toMatchObject({
      text: 'Your parcel ships tomorrow [1].',
      promptTokens: 30,
      completionTokens: 4,
      finishReason: 'stop',
    });
    // Without onText nothing is streamed.
    server.script((_req, _body, res) => completion(res, 'whole'));
    await generator().generate({ messages: [{ role: 'user', content: 'x' }], maxTokens: 8 });
    expect(server.requests[1]?.body.stream).toBe(false);
  });

  it('hands a server that ignores stream: true over as one piece', async () => {
    server.script((_req, _body, res) => completion(res, 'All at once.'));
    const pieces: string[] = [];
    const result = await generator().generate({
      messages: [{ role: 'user', content: 'x' }],
      maxTokens: 8,
      onText: (chunk) => pieces.push(chunk),
    });
    expect(pieces).toEqual(['All at once.']);
    expect(result.text).toBe('All at once.');
  });

  it('returns the streamed text so far with finishReason "timeout" at the deadline', async () => {
    server.script(streamed(['Half ', 'a ', 'reply ', 'and ', 'more'], 150));
    const pieces: string[] = [];
    const result = await generator().generate({
      messages: [{ role: 'user', content: 'x' }],
      maxTokens: 8,
      timeoutMs: 350,
      onText: (chunk) => pieces.push(chunk),
    });
    expect(result.finishReason).toBe('timeout');
    expect(pieces.length).toBeGreaterThan(0);
    expect(result.text).toBe(pieces.join(''));
  });

  it('keeps at most maxConcurrent calls in flight; the others wait for a slot', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: Handler = (_req, _body, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        completion(res, 'ok');
      }, 80);
    };
    server.script(slow, slow, slow, slow, slow, slow, slow);
    const limited = generator({ maxConcurrent: 3 });
    const results = await Promise.all(
      Array.from({ length: 7 }, () =>
        limited.generate({ messages: [{ role: 'user', content: 'x' }], maxTokens: 4 }),
      ),
    );
    expect(results.every((r) => r.text === 'ok')).toBe(true);
    expect(most).toBe(3);
  });

  it('estimates token counts and refuses calls after close()', async () => {
    const g = generator();
    expect(await g.countTokens('')).toBe(0);
    expect(await g.countTokens('Where is my parcel?')).toBeGreaterThan(3);
    await g.close();
    await expect(
      g.generate({ messages: [{ role: 'user', content: 'a' }], maxTokens: 4 }),
    ).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
