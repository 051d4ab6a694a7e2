import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  importOptional,
  isMissingPackage,
  MissingOptionalPackageError,
} from '../../src/models/optional.js';

describe('optional model packages', () => {
  it('a configured model whose package is missing names the package and how to install it', async () => {
    // A variable specifier, so the bundler-free import really goes to Node's resolver.
    const name = 'node-llama-cpp-not-installed';
    const err = await importOptional(name, () => import(name), 'A local .gguf model').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingOptionalPackageError);
    expect((err as Error).message).toContain(`needs the optional package ${name}`);
    expect((err as Error).message).toContain(`npm install ${name}@latest`);
  });

  it('the install hint carries the version package.json pins', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    const err = new MissingOptionalPackageError('node-llama-cpp', 'A local .gguf model');
    expect(err.message).toContain(
      `npm install node-llama-cpp@${pkg.optionalDependencies['node-llama-cpp']}`,
    );
  });

  it('a failure inside an installed package is not reported as a missing package', async () => {
    const inner = Object.assign(new Error("Cannot find module 'onnxruntime-common'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(isMissingPackage(inner, '@huggingface/transformers')).toBe(false);
    const err = await importOptional(
      '@huggingface/transformers',
      () => Promise.reject(inner),
      'x',
    ).catch((e: unknown) => e);
    expect(err).toBe(inner);
  });

  it('both model packages are optional dependencies, and tsx is for development only', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    expect(Object.keys(pkg.optionalDependencies!).sort()).toEqual([
      '@huggingface/transformers',
      'node-llama-cpp',
    ]);
    expect(pkg.optionalDependencies!['node-llama-cpp']).toBe('3.21.1');
    expect(pkg.dependencies!.tsx).toBeUndefined();
    expect(pkg.dependencies!.postgres).toBe('3.4.9');
  });
});
