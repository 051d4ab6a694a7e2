import os from 'node:os';
import path from 'node:path';

/**
 * Where a generator's model lives, as parsed from one environment variable (`CLASSIFIER_LLM`,
 * `DRAFT_LLM`) and its companion model name (`*_LLM_MODEL`).
 */
export type ModelSpec =
  | { kind: 'none' }
  | { kind: 'llama'; path: string }
  | { kind: 'openai'; url: string; model: string };

/** A model setting that cannot work; the message names the variable and the accepted forms. */
export class ModelSpecError extends Error {
  override readonly name = 'ModelSpecError';
}

const NONE_VALUES = new Set(['', 'none', 'off', 'false', '0']);

/**
 * Parses a model setting:
 * - unset, empty, `none` or `off` → no model (the zero-download default path is used);
 * - a filesystem path ending in `.gguf` → in-process llama.cpp (`~/` is expanded);
 * - an `http(s)://` URL → an OpenAI-compatible server; `modelName` is then required. A URL without
 *   a path gets `/v1` appended, which is where vLLM, llama.cpp server and Ollama serve the API.
 *
 * `variable` (e.g. `DRAFT_LLM`) only makes error messages name the setting.
 */
export function parseModelSpec(value?: string, modelName?: string, variable = 'LLM'): ModelSpec {
  const trimmed = value?.trim() ?? '';
  if (NONE_VALUES.has(trimmed.toLowerCase())) return { kind: 'none' };
  const modelVariable = `${variable}_MODEL`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new ModelSpecError(`${variable}: ${JSON.stringify(trimmed)} is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ModelSpecError(
        `${variable}: unsupported scheme ${url.protocol} (expected http:// or https:// of an ` +
          'OpenAI-compatible server, or a path to a .gguf file)',
      );
    }
    if (url.username || url.password) {
      throw new ModelSpecError(
        `${variable}: do not put credentials in the URL; set ${variable}_API_KEY instead`,
      );
    }
    const model = modelName?.trim();
    if (!model) {
      throw new ModelSpecError(
        `${modelVariable} is required when ${variable} is a URL: the model name the server ` +
          'serves (vLLM: the --served-model-name; Ollama: e.g. qwen2.5:7b-instruct; llama.cpp ' +
          'server: any name)',
      );
    }
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1';
    return { kind: 'openai', url: url.toString().replace(/\/+$/, ''), model };
  }
  if (/\.gguf$/i.test(trimmed)) {
    const expanded = trimmed.startsWith('~/') ? path.join(os.homedir(), trimmed.slice(2)) : trimmed;
    return { kind: 'llama', path: expanded };
  }
  throw new ModelSpecError(
    `${variable}: expected a path to a .gguf file (e.g. ./models/qwen2.5-1.5b-instruct-q4_k_m.gguf), ` +
      'an http(s):// URL of an OpenAI-compatible server (e.g. http://localhost:8000/v1), or ' +
      `"none"; got ${JSON.stringify(trimmed)}`,
  );
}
