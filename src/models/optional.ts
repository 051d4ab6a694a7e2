import { createRequire } from 'node:module';

/**
 * node-llama-cpp and @huggingface/transformers are optionalDependencies: they are large (native
 * binaries, ONNX Runtime), loaded only when a model is configured, and an install may leave them
 * out (`npm ci --omit=optional`, or a platform without prebuilt binaries). When one is configured
 * but missing, say which package to install instead of failing with a bare module-not-found.
 */
export class MissingOptionalPackageError extends Error {
  constructor(
    readonly packageName: string,
    usedFor: string,
  ) {
    super(
      `${usedFor} needs the optional package ${packageName}, which is not installed. ` +
        `Install it with: npm install ${packageName}@${pinnedVersion(packageName)} ` +
        '(or unset the variable to use the built-in default).',
    );
    this.name = 'MissingOptionalPackageError';
  }
}

function pinnedVersion(packageName: string): string {
  try {
    // src/models and dist/models are both two levels below the package root.
    const pkg = createRequire(import.meta.url)('../../package.json') as {
      optionalDependencies?: Record<string, string>;
    };
    return pkg.optionalDependencies?.[packageName] ?? 'latest';
  } catch {
    return 'latest';
  }
}

/** True when `err` says that `packageName` itself (not something inside it) cannot be found. */
export function isMissingPackage(err: unknown, packageName: string): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    (err.message.includes(`'${packageName}'`) || err.message.includes(`"${packageName}"`))
  );
}

export async function importOptional<T>(
  packageName: string,
  load: () => Promise<T>,
  usedFor: string,
): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isMissingPackage(err, packageName))
      throw new MissingOptionalPackageError(packageName, usedFor);
    throw err;
  }
}

export const importNodeLlamaCpp = () =>
  importOptional(
    'node-llama-cpp',
    () => import('node-llama-cpp'),
    'A local .gguf model (CLASSIFIER_LLM, DRAFT_LLM or EMBEDDER)',
  );

export const importTransformers = () =>
  importOptional(
    '@huggingface/transformers',
    () => import('@huggingface/transformers'),
    'An ONNX embedding model folder (EMBEDDER)',
  );
