import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  HUGGING_FACE_ENDPOINT,
  MODEL_MANIFEST,
  type ModelFile,
  type ModelManifestEntry,
  type ModelRole,
  modelFileUrl,
} from '../../models/manifest.js';

export interface ModelsPullOptions {
  /** Folder the models go to; default `./models`. */
  dir?: string;
  /** Only the models for these roles; default all of them. */
  only?: string | string[];
  /** Hugging Face endpoint or a mirror of it; default https://huggingface.co. */
  endpoint?: string;
  /** Download files whose checksum the manifest does not pin (their digest is printed). */
  allowUnverified?: boolean;
  /** Waiting longer than this for a server to start answering fails the pull. Default 20 s. */
  connectTimeoutMs?: number;
  /** A download that receives nothing for this long fails (and can be resumed). Default 60 s. */
  stallTimeoutMs?: number;
  /** For tests: another manifest. */
  manifest?: readonly ModelManifestEntry[];
  /** Progress and summary lines; default stderr. */
  log?: (line: string) => void;
}

export interface PulledFile {
  model: string;
  path: string;
  status: 'downloaded' | 'resumed' | 'present';
  bytes: number;
  sha256: string;
  /** False only for files the manifest has no checksum for (`--allow-unverified`). */
  verified: boolean;
}

export interface ModelsPullReport {
  dir: string;
  files: PulledFile[];
  /** Settings to put in the environment, one per model. */
  configure: string[];
}

/** The pull failed; the message says why and what to do. Partial downloads are kept for resume. */
export class ModelsPullError extends Error {
  override readonly name = 'ModelsPullError';
}

const ROLES: readonly ModelRole[] = ['triage', 'draft', 'embed'];

/**
 * `models pull`: downloads the recommended models (src/models/manifest.ts) into `dir`, each file
 * streamed to `<file>.part`, checked against its pinned size and SHA-256, then renamed into place
 * — a file at its final path is always complete and verified. An interrupted download resumes
 * from its `.part` (HTTP Range). Files already present and matching are not downloaded again.
 */
export async function modelsPull(options: ModelsPullOptions = {}): Promise<ModelsPullReport> {
  const log = options.log ?? ((line: string) => console.error(line));
  const dir = path.resolve(options.dir ?? './models');
  const endpoint = options.endpoint ?? HUGGING_FACE_ENDPOINT;
  const entries = selectEntries(options.manifest ?? MODEL_MANIFEST, options.only);

  const unverified = entries.flatMap((entry) =>
    entry.files.filter((file) => !file.sha256).map((file) => `${entry.id}: ${file.file}`),
  );
  if (unverified.length > 0 && !options.allowUnverified) {
    throw new ModelsPullError(
      `refusing to download files without a pinned SHA-256 (${unverified.join(', ')}). Pin them ` +
        'in src/models/manifest.ts, or pass --allow-unverified to download them anyway and print ' +
        'their digests for you to check.',
    );
  }

  const files: PulledFile[] = [];
  for (const entry of entries) {
    log(`${entry.id} (${entry.role}): ${entry.description}, licence ${entry.license}`);
    for (const file of entry.files) {
      files.push(await pullFile(entry, file, dir, endpoint, options, log));
    }
  }
  const configure = entries.map((entry) => entry.configure.replaceAll('{dir}', relativeDir(dir)));
  log(`done: ${files.length} file(s) in ${dir}. Configure:`);
  for (const line of configure) log(`  ${line}`);
  return { dir, files, configure };
}

function selectEntries(
  manifest: readonly ModelManifestEntry[],
  only: string | string[] | undefined,
): ModelManifestEntry[] {
  if (only === undefined) return [...manifest];
  const roles = (Array.isArray(only) ? only : only.split(','))
    .map((role) => role.trim())
    .filter(Boolean);
  const unknown = roles.filter((role) => !ROLES.includes(role as ModelRole));
  if (unknown.length > 0 || roles.length === 0) {
    throw new ModelsPullError(
      `--only expects one or more of ${ROLES.join(', ')} (comma-separated); got ${JSON.stringify(only)}`,
    );
  }
  return manifest.filter((entry) => roles.includes(entry.role));
}

async function pullFile(
  entry: ModelManifestEntry,
  file: ModelFile,
  dir: string,
  endpoint: string,
  options: ModelsPullOptions,
  log: (line: string) => void,
): Promise<PulledFile> {
  const target = path.join(dir, file.target);
  const partial = `${target}.part`;
  const url = modelFileUrl(file, endpoint);
  await mkdir(path.dirname(target), { recursive: true });

  const existing = await sizeOf(target);
  if (existing !== null) {
    const digest = await hashFile(target);
    if (!file.sha256 || digest === file.sha256) {
      log(
        `  ${file.target}: already present${file.sha256 ? ', checksum matches' : ` (unverified, sha256 ${digest})`}`,
      );
      return {
        model: entry.id,
        path: target,
        status: 'present',
        bytes: existing,
        sha256: digest,
        verified: Boolean(file.sha256),
      };
    }
    log(`  ${file.target}: present but its checksum does not match; downloading it again`);
  }

  const { bytes, digest, resumed } = await download(url, partial, file, options, log);
  if (file.size !== null && bytes !== file.size) {
    await unlink(partial).catch(() => undefined);
    throw new ModelsPullError(
      `${file.target}: downloaded ${bytes} bytes but ${file.size} were expected; the partial ` +
        'file was deleted, run the command again.',
    );
  }
  if (file.sha256 && digest !== file.sha256) {
    await unlink(partial).catch(() => undefined);
    throw new ModelsPullError(
      `${file.target}: SHA-256 ${digest} does not match the pinned ${file.sha256}; the download ` +
        `was deleted and nothing was installed. If ${file.repo}@${file.revision} really changed, ` +
        'verify the new file and update src/models/manifest.ts.',
    );
  }
  await rename(partial, target);
  log(
    `  ${file.target}: ${resumed ? 'resumed and ' : ''}downloaded, ${bytes} bytes, ` +
      (file.sha256
        ? 'checksum verified'
        : `UNVERIFIED, sha256 ${digest} — compare it with the source`),
  );
  return {
    model: entry.id,
    path: target,
    status: resumed ? 'resumed' : 'downloaded',
    bytes,
    sha256: digest,
    verified: Boolean(file.sha256),
  };
}

async function download(
  url: string,
  partial: string,
  file: ModelFile,
  options: ModelsPullOptions,
  log: (line: string) => void,
): Promise<{ bytes: number; digest: string; resumed: boolean }> {
  let offset = (await sizeOf(partial)) ?? 0;
  if (file.size !== null && offset > file.size) {
    await unlink(partial);
    offset = 0;
  }
  if (file.size !== null && offset === file.size) {
    return { bytes: offset, digest: await hashFile(partial), resumed: true };
  }

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number, reason: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(reason)), ms);
  };
  const connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  arm(connectTimeoutMs, `no answer within ${connectTimeoutMs} ms`);

  const origin = new URL(url).origin;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      redirect: 'follow',
      signal: controller.signal,
    });
  } catch (err) {
    clearTimeout(timer);
    throw new ModelsPullError(
      `cannot reach ${origin} (${describeNetworkError(err, controller.signal)}). \`models pull\` ` +
        'needs internet access to download models: run it on a machine that has it and copy the ' +
        'models folder over (see docs/models.md), or pass --endpoint with a reachable mirror.',
    );
  }

  let resumed = false;
  if (offset > 0 && response.status === 206) {
    const range = response.headers.get('content-range') ?? '';
    resumed = range.startsWith(`bytes ${offset}-`);
  }
  if (!response.ok || (response.status === 206 && !resumed)) {
    clearTimeout(timer);
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 416) {
      // The server has nothing past our offset: the .part is stale or complete; start clean.
      await unlink(partial).catch(() => undefined);
      throw new ModelsPullError(`${url}: server refused the resume range; run the command again.`);
    }
    throw new ModelsPullError(
      `${url} answered ${response.status} ${response.statusText}` +
        (response.status === 404
          ? ': the pinned file is not there (repository moved or revision removed?).'
          : response.status === 401 || response.status === 403
            ? ': access denied (gated repository or a mirror that needs a token).'
            : '.'),
    );
  }

  const hash = createHash('sha256');
  if (resumed) {
    log(`  ${file.target}: resuming at ${offset} bytes`);
    await hashInto(hash, partial);
  } else {
    offset = 0;
  }
  const total = file.size ?? (Number(response.headers.get('content-length')) || 0) + offset;
  const handle = await open(partial, resumed ? 'a' : 'w');
  let bytes = offset;
  let nextReport = bytes + reportStep(total);
  try {
    arm(stallTimeoutMs, `download stalled for ${stallTimeoutMs} ms`);
    if (response.body) {
      for await (const chunk of response.body) {
        arm(stallTimeoutMs, `download stalled for ${stallTimeoutMs} ms`);
        hash.update(chunk);
        await handle.write(chunk);
        bytes += chunk.byteLength;
        if (bytes >= nextReport) {
          log(`  ${file.target}: ${formatProgress(bytes, total)}`);
          nextReport = bytes + reportStep(total);
        }
      }
    }
  } catch (err) {
    throw new ModelsPullError(
      `${file.target}: download interrupted after ${bytes} bytes (${describeNetworkError(err, controller.signal)}); ` +
        'run the command again to resume.',
    );
  } finally {
    clearTimeout(timer);
    await handle.close();
  }
  return { bytes, digest: hash.digest('hex'), resumed };
}

function describeNetworkError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    return signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  }
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function reportStep(total: number): number {
  // Every 10% of a known size, at least every 256 MiB of an unknown one.
  return total > 0 ? Math.max(1, Math.floor(total / 10)) : 256 * 1024 * 1024;
}

function formatProgress(bytes: number, total: number): string {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return total > 0
    ? `${mib(bytes)} of ${mib(total)} (${Math.floor((bytes / total) * 100)}%)`
    : mib(bytes);
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

async function hashInto(hash: Hash, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await hashInto(hash, file);
  return hash.digest('hex');
}

function relativeDir(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  if (!relative) return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? dir : `./${relative}`;
}
