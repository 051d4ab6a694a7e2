import { CallDeadline, sleep } from './deadline.js';
import { GeneratorRequestError } from './errors.js';
import { compileJsonSchema, withParsedJson } from './json-output.js';
import type { FinishReason, GenerateRequest, GenerateResult, Generator } from './types.js';

/*
 * Plain `fetch` (Node 20's built-in undici) rather than the `openai` SDK: we call one endpoint, must
 * send fields the SDK's types do not know (llama.cpp's `json_schema`), and want the retry, backoff
 * and timeout policy below to be ours and visible — the SDK has its own retry loop and timeouts
 * that would stack with the queue's. One dependency fewer in a self-hosted product, too.
 */

export interface OpenAICompatibleGeneratorOptions {
  /**
   * Base URL of the OpenAI-compatible API, including the version segment:
   * `http://localhost:8000/v1` (vLLM), `http://localhost:8080/v1` (llama.cpp server),
   * `http://localhost:11434/v1` (Ollama). Calls go to `{baseUrl}/chat/completions`.
   */
  baseUrl: string;
  /** Model name the server knows (vLLM: the served model; Ollama: e.g. `qwen2.5:7b-instruct`). */
  model: string;
  /** Sent as `Authorization: Bearer …` when set (vLLM `--api-key`, llama.cpp `--api-key`). */
  apiKey?: string;
  /** Deadline per call (retries and backoff included) for calls that do not pass `timeoutMs`. */
  timeoutMs: number;
  /** The server's context window, reported as `contextSize`; default 8192. */
  contextSize?: number;
  /** Attempts after the first on 429, 5xx and connection errors; default 3. */
  maxRetries?: number;
  /**
   * Longest single wait between attempts; a `Retry-After` asking for more ends the retries (the
   * queue will retry the job later). Default 20 s.
   */
  maxRetryDelayMs?: number;
  /**
   * Also send the schema as llama.cpp server's top-level `json_schema` field (older llama.cpp
   * builds ignore `response_format.json_schema`). vLLM and Ollama ignore unknown fields; turn it
   * off for servers that reject them. Default true.
   */
  llamaCppJsonSchemaField?: boolean;
  /**
   * Calls in flight at once: the server's parallel slots (llama.cpp `--parallel`, vLLM's batch
   * size is larger). Further calls wait here for a free one, and the wait counts against their
   * deadline. Default: no limit.
   */
  maxConcurrent?: number;
  /** Recorded with every call; defaults to `openai:<model>@<host>`. */
  name?: string;
  /** For tests: the fetch implementation. */
  fetch?: typeof fetch;
}

interface ChatCompletion {
  choices?: Array<{ message?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/** One server-sent event of a streamed completion (`stream: true`). */
interface ChatCompletionChunk {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

const BASE_BACKOFF_MS = 500;

/** A generator backed by an OpenAI-compatible chat completions server (vLLM, llama.cpp, Ollama). */
export function createOpenAICompatibleGenerator(
  options: OpenAICompatibleGeneratorOptions,
): Generator {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const endpoint = `${baseUrl}/chat/completions`;
  const doFetch = options.fetch ?? fetch;
  const maxRetries = options.maxRetries ?? 3;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 20_000;
  const name = options.name ?? `openai:${options.model}@${new URL(baseUrl).host}`;
  const closing = new AbortController();
  const slots = options.maxConcurrent ? createSlots(options.maxConcurrent) : null;
  let closed = false;

  const generate = async (request: GenerateRequest): Promise<GenerateResult> => {
    if (closed) throw new GeneratorRequestError('closed', `generator ${name} is closed`);
    if (request.jsonSchema) compileJsonSchema(request.jsonSchema);
    const deadline = new CallDeadline(
      request.signal ? AbortSignal.any([request.signal, closing.signal]) : closing.signal,
      request.timeoutMs ?? options.timeoutMs,
    );
    const cutShort = (): GenerateResult => ({
      text: streamed,
      model: name,
      promptTokens: 0,
      completionTokens: 0,
      latencyMs: deadline.elapsedMs(),
      finishReason: deadline.cause ?? 'aborted',
    });
    const body = JSON.stringify({
      model: options.model,
      messages: [
        ...(request.system ? [{ role: 'system', content: request.system }] : []),
        ...request.messages.map((m) => ({ role: m.role, content: m.content })),
      ],
      max_tokens: request.maxTokens,
      temperature: request.temperature ?? 0,
      stream: request.onText !== undefined,
      // The token counts arrive in a last chunk (vLLM, llama.cpp server, Ollama, OpenAI).
      ...(request.onText ? { stream_options: { include_usage: true } } : {}),
      ...(request.stop?.length ? { stop: request.stop } : {}),
      ...(request.jsonSchema
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: { name: 'response', schema: request.jsonSchema, strict: true },
            },
            ...(options.llamaCppJsonSchemaField !== false
              ? { json_schema: request.jsonSchema }
              : {}),
          }
        : {}),
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: request.onText ? 'text/event-stream, application/json' : 'application/json',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    };

    // Text already handed to `onText`: after it, a broken stream is not retried (the caller would
    // see the answer twice), and a deadline returns it with finishReason `timeout`.
    let streamed = '';
    let release: (() => void) | undefined;
    try {
      release = await slots?.acquire(deadline.signal);
      for (let attempt = 0; ; attempt++) {
        let failure: GeneratorRequestError;
        let retryAfterMs: number | undefined;
        try {
          const response = await doFetch(endpoint, {
            method: 'POST',
            headers,
            body,
            signal: deadline.signal,
            // A redirect would send the prompt (customer text) and the API key wherever the
            // server points; a model server has no reason to redirect, so it is an error.
            redirect: 'manual',
          });
          if (response.status >= 300 && response.status < 400) {
            await response.body?.cancel().catch(() => {});
            throw new GeneratorRequestError(
              'http',
              `${endpoint} answered a redirect (${response.status}); redirects are not followed: configure the final URL`,
              { status: response.status, retryable: false },
            );
          }
          const eventStream = (response.headers.get('content-type') ?? '').includes(
            'text/event-stream',
          );
          if (response.ok && eventStream && request.onText) {
            const result = await readEventStream(response, name, deadline, body, (chunk) => {
              streamed += chunk;
              request.onText!(chunk);
            });
            return request.jsonSchema ? withParsedJson(result, request.jsonSchema) : result;
          }
          const raw = await response.text();
          if (response.ok) {
            // A server that ignored `stream: true` answered in one piece: hand it over as one.
            if (request.onText) {
              const result = toResult(raw, name, deadline.elapsedMs(), body);
              request.onText(result.text);
              return request.jsonSchema ? withParsedJson(result, request.jsonSchema) : result;
            }
            const result = toResult(raw, name, deadline.elapsedMs(), body);
            return request.jsonSchema ? withParsedJson(result, request.jsonSchema) : result;
          }
          const retryable = response.status === 429 || response.status >= 500;
          failure = new GeneratorRequestError(
            'http',
            // Status and size only: an error body can echo the prompt (customer text) back.
            `${endpoint} answered ${response.status} (${Buffer.byteLength(raw)}-byte body)`,
            { status: response.status, retryable },
          );
          if (!retryable) throw failure;
          retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        } catch (err) {
          if (deadline.cause) return cutShort();
          if (err instanceof GeneratorRequestError || !(err instanceof TypeError)) throw err;
          if (streamed) {
            throw new GeneratorRequestError(
              'network',
              `the stream from ${endpoint} broke after ${streamed.length} characters`,
              { retryable: false, cause: err },
            );
          }
          // fetch rejects with a TypeError ("fetch failed") for DNS, refused and reset connections.
          const cause = (err as { cause?: { code?: string; message?: string } }).cause;
          failure = new GeneratorRequestError(
            'network',
            `cannot reach ${endpoint}: ${cause?.code ?? cause?.message ?? err.message}`,
            { retryable: true, cause: err },
          );
        }
        if (attempt >= maxRetries) throw failure;
        const backoff = Math.random() * Math.min(maxRetryDelayMs, BASE_BACKOFF_MS * 2 ** attempt);
        const waitMs = retryAfterMs ?? backoff;
        if (waitMs > maxRetryDelayMs || waitMs >= deadline.remainingMs()) throw failure;
        await sleep(waitMs, deadline.signal);
      }
    } catch (err) {
      if (deadline.cause) return cutShort();
      throw err;
    } finally {
      release?.();
      deadline.dispose();
    }
  };

  return {
    name,
    contextSize: options.contextSize ?? 8192,
    load: async () => {},
    generate,
    // The OpenAI API has no tokenizer endpoint (vLLM's and llama.cpp's differ and Ollama has
    // none), so this is an estimate for budgeting prompts. Exact counts come back in `usage`.
    countTokens: async (text) => estimateTokens(text),
    close: async () => {
      closed = true;
      closing.abort(new DOMException('generator closed', 'AbortError'));
    },
  };
}

function toResult(raw: string, model: string, latencyMs: number, body: string): GenerateResult {
  let parsed: ChatCompletion;
  try {
    parsed = JSON.parse(raw) as ChatCompletion;
  } catch {
    throw new GeneratorRequestError(
      'bad_response',
      `server answered with a body that is not JSON (${Buffer.byteLength(raw)} bytes)`,
    );
  }
  const choice = parsed.choices?.[0];
  const text = choice?.message?.content;
  if (typeof text !== 'string') {
    throw new GeneratorRequestError(
      'bad_response',
      `server answered without choices[0].message.content (${Buffer.byteLength(raw)} bytes)`,
    );
  }
  const finishReason: FinishReason = choice?.finish_reason === 'length' ? 'length' : 'stop';
  return {
    text,
    model,
    // Servers that omit `usage` get the same estimate countTokens() uses.
    promptTokens: parsed.usage?.prompt_tokens ?? estimateTokens(body),
    completionTokens: parsed.usage?.completion_tokens ?? estimateTokens(text),
    latencyMs,
    finishReason,
  };
}

/**
 * Reads a streamed completion: `data: {json}` events separated by blank lines, ending with
 * `data: [DONE]` (or the end of the body). Each delta goes to `onText` as it arrives.
 */
async function readEventStream(
  response: Response,
  model: string,
  deadline: CallDeadline,
  body: string,
  onText: (chunk: string) => void,
): Promise<GenerateResult> {
  let text = '';
  let finish: string | null | undefined;
  let usage: ChatCompletionChunk['usage'];
  let buffered = '';
  const decoder = new TextDecoder();
  const handle = (line: string): boolean => {
    if (!line.startsWith('data:')) return false; // comments, `event:` and `id:` lines
    const data = line.slice(5).trim();
    if (data === '[DONE]') return true;
    let chunk: ChatCompletionChunk;
    try {
      chunk = JSON.parse(data) as ChatCompletionChunk;
    } catch {
      throw new GeneratorRequestError(
        'bad_response',
        `server streamed an event that is not JSON (${Buffer.byteLength(data)} bytes)`,
      );
    }
    const choice = chunk.choices?.[0];
    const delta = choice?.delta?.content;
    if (typeof delta === 'string' && delta.length > 0) {
      text += delta;
      onText(delta);
    }
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
    return false;
  };
  const reader = response.body!.getReader();
  try {
    let done = false;
    while (!done) {
      const next = await reader.read();
      buffered += decoder.decode(next.value, { stream: !next.done });
      let newline = buffered.indexOf('\n');
      while (newline >= 0 && !done) {
        done = handle(buffered.slice(0, newline).replace(/\r$/, ''));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (next.done) {
        if (!done && buffered.trim()) handle(buffered.trim());
        break;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (finish === undefined && !text) {
    throw new GeneratorRequestError('bad_response', 'server ended the stream without any choice');
  }
  return {
    text,
    model,
    promptTokens: usage?.prompt_tokens ?? estimateTokens(body),
    completionTokens: usage?.completion_tokens ?? estimateTokens(text),
    latencyMs: deadline.elapsedMs(),
    finishReason: finish === 'length' ? 'length' : 'stop',
  };
}

/**
 * At most `limit` holders at a time; the others queue in arrival order. A waiter whose signal
 * aborts leaves the queue (and gets the signal's reason).
 */
function createSlots(limit: number) {
  let inUse = 0;
  const waiting: Array<{ grant(): void }> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next.grant();
    else inUse--;
  };
  return {
    acquire(signal: AbortSignal): Promise<() => void> {
      if (inUse < limit) {
        inUse++;
        return Promise.resolve(once(release));
      }
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise((resolve, reject) => {
        const waiter = {
          grant: () => {
            signal.removeEventListener('abort', onAbort);
            resolve(once(release));
          },
        };
        const onAbort = () => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.push(waiter);
      });
    },
  };
}

function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent/invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * ~4 characters per token is typical for English with 100k+ vocabularies; dividing by 3.5 errs
 * on the side of over-counting, so prompts budgeted with it still fit.
 */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}
