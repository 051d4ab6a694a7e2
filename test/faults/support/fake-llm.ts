import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible chat-completions server (the DRAFT_LLM=http://… path) whose answers the test
 * controls: answer at once, after a delay, or hold the request open until released — the hook for
 * killing or stopping a worker in the middle of generation.
 */
export class FakeLlmServer {
  /** Requests received so far. */
  requests = 0;
  mode: 'answer' | 'hold' = 'answer';
  /** In `answer` mode, wait this long before answering. */
  delayMs = 0;
  reply = 'You can reset your password from the sign-in page [1].\n\nSupport team';
  url = '';
  private readonly held = new Set<ServerResponse>();
  private readonly waiters = new Set<() => void>();
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.requests++;
        for (const waiter of [...this.waiters]) waiter();
        if (this.mode === 'hold') {
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
          return;
        }
        setTimeout(() => this.answer(res), this.delayMs);
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
