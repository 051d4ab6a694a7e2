/**
 * The recommended models `models pull` downloads, pinned to repository commits and SHA-256.
 *
 * Provenance, honestly: these checksums were NOT computed by us — the machine this was written on
 * has no access to Hugging Face. Each comes from a published record of that exact file (the Git
 * LFS pointer Hugging Face shows for the pinned commit, or manifests of other projects that verify
 * the same pinned URL on every download), noted per file in `checksumSource`. Because the pull
 * command refuses any file whose digest differs, a wrong entry fails closed: the download is
 * deleted and the command says so, it never installs an unverified file. Entries with
 * `sha256: null` are refused unless the operator passes `--allow-unverified`.
 *
 * Updating a pin: download the file once on a trusted machine, `sha256sum` it, compare it with
 * the "Git LFS Details → SHA256" on the file's Hugging Face page at the pinned commit, and edit
 * the entry.
 */

export type ModelRole = 'triage' | 'draft' | 'embed';

export interface ModelFile {
  /** Hugging Face repository, `owner/name`. */
  repo: string;
  /** Commit the download is pinned to, so the bytes behind the URL cannot change. */
  revision: string;
  /** Path of the file inside the repository. */
  file: string;
  /** Where the file is written, relative to the `--dir` folder. */
  target: string;
  /** Expected SHA-256 (hex); null means unknown, and the file is refused by default. */
  sha256: string | null;
  /** Expected size in bytes, when known (checked before hashing; also enables resume). */
  size: number | null;
  /** Where the checksum comes from. */
  checksumSource: string;
}

export interface ModelManifestEntry {
  id: string;
  role: ModelRole;
  description: string;
  license: string;
  files: ModelFile[];
  /** What to put in the environment once the files are present (paths relative to `--dir`). */
  configure: string;
}

export const HUGGING_FACE_ENDPOINT = 'https://huggingface.co';

const QWEN_1_5B_REVISION = '91cad51170dc346986eccefdc2dd33a9da36ead9';
const QWEN_7B_BARTOWSKI_REVISION = 'c4d0b0e03a7f4ab8901ecf6764d4dffba760d81f';
const BGE_SMALL_XENOVA_REVISION = 'ea104dacec62c0de699686887e3f920caeb4f3e3';

const bgeSource =
  'pinned with this digest for Xenova/bge-small-en-v1.5@ea104dac by a third-party Dockerfile ' +
  'that verifies it on every build (BuildKit ADD --checksum)';

export const MODEL_MANIFEST: readonly ModelManifestEntry[] = [
  {
    id: 'qwen2.5-1.5b-instruct-q4_k_m',
    role: 'triage',
    description:
      'Qwen2.5 1.5B Instruct, Q4_K_M GGUF (~1.1 GB): zero/few-shot triage with JSON grammar',
    license: 'Apache-2.0',
    files: [
      {
        repo: 'Qwen/Qwen2.5-1.5B-Instruct-GGUF',
        revision: QWEN_1_5B_REVISION,
        file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
        target: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
        sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e',
        size: 1_117_320_736,
        checksumSource:
          'Git LFS oid and size of this file at the pinned revision, as recorded by several ' +
          'independent projects that pin and verify it, and matching the LFS pointer of a ' +
          're-upload of the same file (flyingfishinwater/good_and_small_models@24bf521)',
      },
    ],
    configure: 'CLASSIFIER_LLM={dir}/qwen2.5-1.5b-instruct-q4_k_m.gguf',
  },
  {
    id: 'qwen2.5-7b-instruct-q4_k_m',
    role: 'draft',
    description: 'Qwen2.5 7B Instruct, Q4_K_M GGUF (~4.7 GB): grounded reply drafting',
    license: 'Apache-2.0',
    files: [
      {
        repo: 'bartowski/Qwen2.5-7B-Instruct-GGUF',
        revision: QWEN_7B_BARTOWSKI_REVISION,
        file: 'Qwen2.5-7B-Instruct-Q4_K_M.gguf',
        target: 'qwen2.5-7b-instruct-q4_k_m.gguf',
        sha256: 'da5c9930891bea8fef464ab3827008e1c461000d9911be8da474e0c6772f4689',
        size: 4_683_074_048,
        checksumSource:
          'Git LFS pointer (oid sha256, size) in the diff of commit c4d0b0e on huggingface.co ' +
          '(bartowski/Qwen2.5-7B-Instruct-GGUF), the commit the URL is pinned to',
      },
    ],
    configure: 'DRAFT_LLM={dir}/qwen2.5-7b-instruct-q4_k_m.gguf',
  },
  {
    id: 'bge-small-en-v1.5',
    role: 'embed',
    description: 'BAAI bge-small-en-v1.5, ONNX fp32 for transformers.js (~133 MB): dense retrieval',
    license: 'MIT',
    files: [
      {
        repo: 'Xenova/bge-small-en-v1.5',
        revision: BGE_SMALL_XENOVA_REVISION,
        file: 'onnx/model.onnx',
        target: 'bge-small-en-v1.5/onnx/model.onnx',
        sha256: '828e1496d7fabb79cfa4dcd84fa38625c0d3d21da474a00f08db0f559940cf35',
        size: null,
        checksumSource: `${bgeSource}; the same digest is pinned for BAAI/bge-small-en-v1.5's own onnx/model.onnx by another project`,
      },
      {
        repo: 'Xenova/bge-small-en-v1.5',
        revision: BGE_SMALL_XENOVA_REVISION,
        file: 'tokenizer.json',
        target: 'bge-small-en-v1.5/tokenizer.json',
        sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
        size: null,
        checksumSource: `${bgeSource}; also pinned for BAAI/bge-small-en-v1.5 by another project`,
      },
      {
        repo: 'Xenova/bge-small-en-v1.5',
        revision: BGE_SMALL_XENOVA_REVISION,
        file: 'tokenizer_config.json',
        target: 'bge-small-en-v1.5/tokenizer_config.json',
        sha256: '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3',
        size: null,
        checksumSource: `${bgeSource}; also pinned for BAAI/bge-small-en-v1.5 by another project`,
      },
      {
        repo: 'Xenova/bge-small-en-v1.5',
        revision: BGE_SMALL_XENOVA_REVISION,
        file: 'special_tokens_map.json',
        target: 'bge-small-en-v1.5/special_tokens_map.json',
        sha256: 'b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3',
        size: null,
        checksumSource: `${bgeSource}; also pinned for BAAI/bge-small-en-v1.5 by another project`,
      },
      {
        repo: 'Xenova/bge-small-en-v1.5',
        revision: BGE_SMALL_XENOVA_REVISION,
        file: 'config.json',
        target: 'bge-small-en-v1.5/config.json',
        sha256: 'fa73f90bf92c8cace1fbcb709626306f2bdbc9ea3e5b5f94b440df9b6aa56350',
        size: null,
        checksumSource: `${bgeSource} (single source)`,
      },
    ],
    configure:
      'an embedder folder of {dir}/bge-small-en-v1.5 (transformers.js, dtype fp32, pooling cls)',
  },
];

/** Download URL of `file` (`endpoint` swaps in a mirror, e.g. an internal Hugging Face proxy). */
export function modelFileUrl(file: ModelFile, endpoint = HUGGING_FACE_ENDPOINT): string {
  const base = endpoint.replace(/\/+$/, '');
  const filePath = file.file.split('/').map(encodeURIComponent).join('/');
  return `${base}/${file.repo}/resolve/${file.revision}/${filePath}`;
}
