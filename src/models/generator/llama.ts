import path from 'node:path';
import type {
  ChatHistoryItem,
  ChatWrapper,
  LlamaChat,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
} from 'node-llama-cpp';
import { importNodeLlamaCpp } from '../optional.js';
import { acquireLlamaModel, type ModelLease } from '../registry.js';
import { CallDeadline, raceAbort } from './deadline.js';
import { GeneratorRequestError } from './errors.js';
import { compileJsonSchema, withParsedJson } from './json-output.js';
import type { GenerateRequest, GenerateResult, Generator, JsonSchema } from './types.js';

export interface LlamaGeneratorOptions {
  /** Path to an instruct-tuned GGUF model. */
  modelPath: string;
  /** Tokens per call (prompt plus answer); each parallel slot gets this much. Default 4096. */
  contextSize?: number;
  /** CPU threads per evaluation; default: llama.cpp's choice (the machine's cores). */
  threads?: number;
  /** Offload to a GPU when available (default false: CPU only). */
  gpu?: boolean;
  /**
   * Calls that can generate at the same time (context sequences). More slots cost memory (a KV
   * cache of `contextSize` each) and split the same CPU; extra calls wait for a free slot.
   * Default 2.
   */
  parallel?: number;
  /** Deadline for calls that do not pass `timeoutMs`; default none. */
  timeoutMs?: number;
  /** Recorded with every call; defaults to `gguf:<file name>`. */
  name?: string;
}

/** `Generator` plus what is specific to in-process models. */
export interface LlamaGenerator extends Generator {
  /** The chat format used to render prompts (from the model's template, or a fallback). */
  readonly chatFormat: string | undefined;
}

interface Slot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

interface Loaded {
  lease: ModelLease;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  free: Slot[];
  waiters: Array<{ give(slot: Slot): void; fail(err: unknown): void }>;
  /** Grammars compile once per schema; triage reuses one schema for every ticket. */
  grammars: Map<string, Promise<LlamaGrammar>>;
}

const MAX_GRAMMARS = 32;

/**
 * A generator running a GGUF model in-process with node-llama-cpp (llama.cpp). The model is
 * loaded on first use (or `load()`) and shared with every other generator naming the same file.
 * Each generator owns one context with `parallel` sequences; a call borrows a sequence for its
 * duration, so concurrent calls run side by side instead of corrupting one another's state, and a
 * sequence keeps the KV cache of its previous prompt (a shared system prompt is not re-evaluated).
 */
export function createLlamaGenerator(options: LlamaGeneratorOptions): LlamaGenerator {
  const requestedContext = options.contextSize ?? 4096;
  const parallel = Math.max(1, options.parallel ?? 2);
  const name = options.name ?? `gguf:${path.basename(options.modelPath)}`;
  let loading: Promise<Loaded> | undefined;
  let loaded: Loaded | undefined;
  let closed = false;
  // close() cuts running calls short (they return finishReason `aborted`) and waits for them.
  const closing = new AbortController();
  const inFlight = new Set<Promise<unknown>>();

  const load = (): Promise<Loaded> => {
    if (closed) return Promise.reject(closedError(name));
    loading ??= (async () => {
      const lease = await acquireLlamaModel(options.modelPath, { gpu: options.gpu });
      try {
        const { LlamaChat, resolveChatWrapper } = await importNodeLlamaCpp();
        const context = await lease.model.createContext({
          contextSize: requestedContext,
          sequences: parallel,
          ...(options.threads ? { threads: options.threads } : {}),
        });
        // The model's own chat template when it has one; otherwise node-llama-cpp picks a format
        // from the architecture and file name (Llama 2 style for template-less llama models).
        const chatWrapper = resolveChatWrapper(lease.model, { warningLogs: false });
        const free: Slot[] = [];
        for (let i = 0; i < parallel; i++) {
          const sequence = context.getSequence();
          free.push({ sequence, chat: new LlamaChat({ contextSequence: sequence, chatWrapper }) });
        }
        const ready: Loaded = {
          lease,
          context,
          chatWrapper,
          free,
          waiters: [],
          grammars: new Map(),
        };
        loaded = ready;
        return ready;
      } catch (err) {
        await lease.release();
        throw err;
      }
    })();
    // A failed load is retried on the next call (the file may have been fixed meanwhile).
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };

  const acquireSlot = (state: Loaded, signal: AbortSignal): Promise<Slot> => {
    const slot = state.free.pop();
    if (slot) return Promise.resolve(slot);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<Slot>((resolve, reject) => {
      const waiter = {
        give: (given: Slot) => {
          signal.removeEventListener('abort', onAbort);
          resolve(given);
        },
        fail: (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const index = state.waiters.indexOf(waiter);
        if (index >= 0) state.waiters.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      state.waiters.push(waiter);
    });
  };

  const releaseSlot = (state: Loaded, slot: Slot) => {
    const next = state.waiters.shift();
    if (next) next.give(slot);
    else state.free.push(slot);
  };

  const grammarFor = (state: Loaded, schema: JsonSchema): Promise<LlamaGrammar> => {
    const key = JSON.stringify(schema);
    let grammar = state.grammars.get(key);
    if (!grammar) {
      grammar = state.lease.llama
        // node-llama-cpp types the schema precisely (GbnfJsonSchema); ours is a plain object, and
        // an unsupported keyword is reported by the compiler at run time.
        .createGrammarForJsonSchema(
          schema as Parameters<typeof state.lease.llama.createGrammarForJsonSchema>[0],
        )
        .catch((err: unknown) => {
          state.grammars.delete(key);
          throw new GeneratorRequestError(
            'unsupported_schema',
            `jsonSchema cannot be turned into a llama.cpp grammar: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        });
      if (state.grammars.size >= MAX_GRAMMARS) {
        state.grammars.delete(state.grammars.keys().next().value as string);
      }
      state.grammars.set(key, grammar);
    }
    return grammar;
  };

  const generate = (request: GenerateRequest): Promise<GenerateResult> => {
    if (closed) return Promise.reject(closedError(name));
    const call = run(request);
    inFlight.add(call);
    void call.catch(() => undefined).finally(() => inFlight.delete(call));
    return call;
  };

  const run = async (request: GenerateRequest): Promise<GenerateResult> => {
    if (request.jsonSchema) compileJsonSchema(request.jsonSchema); // reject bad schemas up front
    const deadline = new CallDeadline(
      request.signal ? AbortSignal.any([request.signal, closing.signal]) : closing.signal,
      request.timeoutMs ?? options.timeoutMs,
    );
    let promptTokens = 0;
    let completionTokens = 0;
    let text = '';
    const finish = (finishReason: GenerateResult['finishReason']): GenerateResult => ({
      text,
      model: name,
      promptTokens,
      completionTokens,
      latencyMs: deadline.elapsedMs(),
      finishReason,
    });
    let slot: Slot | undefined;
    let state: Loaded | undefined;
    try {
      state = await raceAbort(load(), deadline.signal);
      const history: ChatHistoryItem[] = [
        ...(request.system ? [{ type: 'system' as const, text: request.system }] : []),
        ...request.messages.map(
          (message): ChatHistoryItem =>
            message.role === 'user'
              ? { type: 'user', text: message.content }
              : { type: 'model', response: [message.content] },
        ),
        { type: 'model', response: [] },
      ];
      promptTokens = state.chatWrapper
        .generateContextState({ chatHistory: history })
        .contextText.tokenize(state.lease.model.tokenizer).length;
      const contextSize = state.context.contextSize;
      if (promptTokens >= contextSize) {
        throw new GeneratorRequestError(
          'prompt_too_long',
          `prompt is ${promptTokens} tokens but ${name} holds ${contextSize}; shorten it or raise contextSize`,
        );
      }
      const grammar = request.jsonSchema
        ? await raceAbort(grammarFor(state, request.jsonSchema), deadline.signal)
        : undefined;
      slot = await acquireSlot(state, deadline.signal);
      const response = await slot.chat.generateResponse(history, {
        // Never more than the context can hold: llama.cpp would otherwise shift the context and
        // silently drop the start of the prompt (instructions, knowledge-base passages).
        maxTokens: Math.max(1, Math.min(request.maxTokens, contextSize - promptTokens)),
        temperature: request.temperature ?? 0,
        signal: deadline.signal,
        stopOnAbortSignal: true,
        ...(grammar ? { grammar } : {}),
        ...(request.stop?.length ? { customStopTriggers: request.stop } : {}),
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
        ...(request.onText ? { onTextChunk: request.onText } : {}),
      });
      text = response.response;
      const stopReason = response.metadata.stopReason;
      const result =
        stopReason === 'abort'
          ? finish(deadline.cause ?? 'aborted')
          : finish(stopReason === 'maxTokens' ? 'length' : 'stop');
      return request.jsonSchema ? withParsedJson(result, request.jsonSchema) : result;
    } catch (err) {
      // An abort before the first generated token (while loading, queueing for a slot or
      // evaluating the prompt) surfaces as the signal's reason rather than a stop reason.
      if (deadline.cause) return finish(deadline.cause);
      throw err;
    } finally {
      deadline.dispose();
      if (slot && state) releaseSlot(state, slot);
    }
  };

  return {
    name,
    get contextSize() {
      return loaded?.context.contextSize ?? requestedContext;
    },
    get chatFormat() {
      return loaded?.chatWrapper.wrapperName;
    },
    load: async () => {
      await load();
    },
    generate,
    countTokens: async (text) => {
      const state = await load();
      return state.lease.model.tokenize(text).length;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      closing.abort(new DOMException('generator closed', 'AbortError'));
      await Promise.allSettled([...inFlight]);
      const pending = loading;
      loading = undefined;
      loaded = undefined;
      const state = await pending?.catch(() => undefined);
      if (!state) return;
      for (const waiter of state.waiters.splice(0)) waiter.fail(closedError(name));
      await state.context.dispose();
      await state.lease.release();
    },
  };
}

function closedError(name: string): GeneratorRequestError {
  return new GeneratorRequestError('closed', `generator ${name} is closed`);
}
