import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible chat-completions server (the DRAFT_LLM=http://… path) whose answers the test
 * controls: answer at once, after a delay, or hold the request open until released — the hook for
 * killing or stopping a worker in the middle of generation. A request with `stream: true` is
 * answered with server-sent events (`data:` chunks, a word each, `streamDelayMs` apart), as vLLM
 * and llama.cpp server do.
 */
export class FakeLlmServer {
  /** Requests received so far. */
  requests = 0;
  mode: 'answer' | 'hold' = 'answer';
  /** In `answer` mode, wait this long before answering. */
  delayMs = 0;
  reply = 'You can reset your password from the sign-in page [1].\n\nSupport team';
  /** Streamed answers: the pause before each word. */
  streamDelayMs = 0;
  /** Requests that asked for a stream. */
  streamedRequests = 0;
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  url = '';
  private readonly held = new Set<ServerResponse>();
  private readonly waiters = new Set<() => void>();
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', () => {
        this.requests++;
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        res.on('close', () => this.inFlight--);
        const stream = (JSON.parse(raw || '{}') as { stream?: boolean }).stream === true;
        if (stream) this.streamedRequests++;
        for (const waiter of [...this.waiters]) waiter();
        if (this.mode === 'hold') {
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
          return;
        }
        setTimeout(() => (stream ? this.stream(res) : this.answer(res)), this.delayMs);
      });
    });
  }

  static async start(): Promise<FakeLlmServer> {
    const llm = new FakeLlmServer();
    await new Promise<void>((resolve) => llm.server.listen(0, '127.0.0.1', resolve));
    llm.url = `http://127.0.0.1:${(llm.server.address() as AddressInfo).port}/v1`;
    return llm;
  }

  /** Resolves once `count` requests have arrived. */
  async waitForRequests(count: number, timeoutMs = 30_000): Promise<void> {
    if (this.requests >= count) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`expected ${count} LLM requests, got ${this.requests}`));
      }, timeoutMs);
      const check = () => {
        if (this.requests < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Answers every held request now. */
  releaseHeld(): void {
    for (const res of this.held) this.answer(res);
    this.held.clear();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private stream(res: ServerResponse): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const words = this.reply.match(/\s*\S+/g) ?? [];
    const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i < words.length) {
        res.write(event({ choices: [{ index: 0, delta: { content: words[i++] } }] }));
        setTimeout(next, this.streamDelayMs);
        return;
      }
      res.write(event({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      res.write(event({ choices: [], usage: { prompt_tokens: 100, completion_tokens: i } }));
      res.end('data: [DONE]\n\n');
    };
    next();
  }

  private answer(res: ServerResponse): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-fault',
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: this.reply }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 100, completion_tokens: 20 },
      }),
    );
  }
}
