// `models pull` lives in src/cli/commands/models.ts; its tests sit with the generator tests
// because the manifest and the download belong to the models layer.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelsPullError, modelsPull } from '../../../src/cli/commands/models.js';
import {
  MODEL_MANIFEST,
  type ModelManifestEntry,
  modelFileUrl,
} from '../../../src/models/manifest.js';

const run = promisify(execFile);
const weights = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + 7) % 251));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function manifest(
  overrides: Partial<ModelManifestEntry['files'][number]> = {},
): ModelManifestEntry[] {
  return [
    {
      id: 'tiny-test-model',
      role: 'triage',
      description: 'test weights',
      license: 'MIT',
      files: [
        {
          repo: 'acme/tiny',
          revision: '0123456789abcdef0123456789abcdef01234567',
          file: 'tiny.gguf',
          target: 'tiny.gguf',
          sha256: sha256(weights),
          size: weights.length,
          checksumSource: 'computed in the test',
          ...overrides,
        },
      ],
      configure: 'CLASSIFIER_LLM={dir}/tiny.gguf',
    },
  ];
}

describe('models pull', { timeout: 60_000 }, () => {
  let dir: string;
  let server: Server;
  let endpoint: string;
  let served: Buffer = weights;
  const requests: Array<{ url: string; range?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', range: req.headers.range });
      if (req.url !== '/acme/tiny/resolve/0123456789abcdef0123456789abcdef01234567/tiny.gguf') {
        res.writeHead(404).end('not found');
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        res.writeHead(206, {
          'content-length': served.length - start,
          'content-range': `bytes ${start}-${served.length - 1}/${served.length}`,
        });
        res.end(served.subarray(start));
        return;
      }
      res.writeHead(200, { 'content-length': served.length });
      res.end(served);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deskpilot-pull-'));
    requests.length = 0;
    served = weights;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const quiet = { log: () => {} };

  it('fails fast with a clear message when the hub is unreachable', async () => {
    const error = await modelsPull({
      dir,
      only: 'triage',
      endpoint: 'http://127.0.0.1:9/',
      ...quiet,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ModelsPullError);
    // fetch refuses port 9 outright ("bad port"); a closed port is covered below.
    expect((error as Error).message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:9 \(/);
    expect((error as Error).message).toContain('needs internet access');
    expect(await readdir(dir)).toEqual([]);
  });

  it('names a refused connection', async () => {
    // A port that was just free: nothing listens there now.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    await expect(
      modelsPull({ dir, endpoint: `http://127.0.0.1:${port}`, manifest: manifest(), ...quiet }),
    ).rejects.toThrow(/cannot reach .*\(ECONNREFUSED\)/);
  });

  it('exits non-zero from the command line with the same message', async () => {
    const tsx = path.resolve('node_modules/.bin/tsx');
    const outcome = await run(
      tsx,
      [
        'src/cli/index.ts',
        'models',
        'pull',
        '--only',
        'triage',
        '--dir',
        dir,
        '--endpoint',
        'http://127.0.0.1:9/',
      ],
      { timeout: 50_000 },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('cannot reach http://127.0.0.1:9');
  });

  it('downloads, verifies and renames into place; a second run finds it present', async () => {
    const report = await modelsPull({ dir, endpoint, manifest: manifest(), ...quiet });
    expect(report.files).toMatchObject([
      { status: 'downloaded', bytes: weights.length, sha256: sha256(weights), verified: true },
    ]);
    expect(sha256(await readFile(path.join(dir, 'tiny.gguf')))).toBe(sha256(weights));
    expect(await readdir(dir)).toEqual(['tiny.gguf']); // no .part left behind
    expect(report.configure[0]).toMatch(/^CLASSIFIER_LLM=.*tiny\.gguf$/);

    const again = await modelsPull({ dir, endpoint, manifest: manifest(), ...quiet });
    expect(again.files[0]?.status).toBe('present');
    expect(requests).toHaveLength(1);
  });

  it('resumes an interrupted download from its .part file', async () => {
    await writeFile(path.join(dir, 'tiny.gguf.part'), weights.subarray(0, 120_000));
    const report = await modelsPull({ dir, endpoint, manifest: manifest(), ...quiet });
    expect(requests[0]?.range).toBe('bytes=120000-');
    expect(report.files[0]).toMatchObject({ status: 'resumed', sha256: sha256(weights) });
    expect(sha256(await readFile(path.join(dir, 'tiny.gguf')))).toBe(sha256(weights));
  });

  it('refuses a file whose checksum does not match and installs nothing', async () => {
    served = Buffer.from(weights);
    served[1000] = (served[1000]! + 1) % 256; // same size, different bytes
    await expect(modelsPull({ dir, endpoint, manifest: manifest(), ...quiet })).rejects.toThrow(
      /does not match the pinned .*nothing was installed/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses files without a pinned checksum unless told otherwise, then prints the digest', async () => {
    const unpinned = manifest({ sha256: null, size: null });
    await expect(modelsPull({ dir, endpoint, manifest: unpinned, ...quiet })).rejects.toThrow(
      /refusing to download files without a pinned SHA-256.*--allow-unverified/,
    );
    expect(requests).toHaveLength(0);

    const lines: string[] = [];
    const report = await modelsPull({
      dir,
      endpoint,
      manifest: unpinned,
      allowUnverified: true,
      log: (line) => lines.push(line),
    });
    expect(report.files[0]).toMatchObject({ verified: false, sha256: sha256(weights) });
    expect(lines.join('\n')).toContain(`UNVERIFIED, sha256 ${sha256(weights)}`);
  });

  it('reports a missing file with the URL and status', async () => {
    await expect(
      modelsPull({ dir, endpoint, manifest: manifest({ file: 'gone.gguf' }), ...quiet }),
    ).rejects.toThrow(/gone\.gguf answered 404.*not there/);
  });

  it('rejects an unknown --only value', async () => {
    await expect(modelsPull({ dir, only: 'chat', ...quiet })).rejects.toThrow(
      /--only expects one or more of triage, draft, embed/,
    );
  });
});

describe('model manifest', () => {
  it('pins every file to a commit and a SHA-256, one model per role', () => {
    expect(new Set(MODEL_MANIFEST.map((entry) => entry.role))).toEqual(
      new Set(['triage', 'draft', 'embed']),
    );
    for (const entry of MODEL_MANIFEST) {
      for (const file of entry.files) {
        expect(file.revision).toMatch(/^[0-9a-f]{40}$/);
        expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(file.checksumSource.length).toBeGreaterThan(10);
      }
    }
    const triage = MODEL_MANIFEST.find((entry) => entry.role === 'triage')!;
    expect(modelFileUrl(triage.files[0]!)).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/91cad51170dc346986eccefdc2dd33a9da36ead9/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    );
  });
});
