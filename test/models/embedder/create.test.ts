import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbedder, folderPooling } from '../../../src/models/embedder/create.js';

const ONNX = path.resolve('../shared/models/onnx-tiny-distilbert-plumbing');
const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-embedder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A model folder as a sentence-transformers export ships it: the ONNX files plus 1_Pooling/. */
function exportWithPooling(name: string, pooling: Record<string, unknown> | string): string {
  const folder = path.join(dir, name);
  mkdirSync(path.join(folder, '1_Pooling'), { recursive: true });
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx']) {
    if (existsSync(path.join(ONNX, file)))
      symlinkSync(path.join(ONNX, file), path.join(folder, file));
  }
  writeFileSync(
    path.join(folder, '1_Pooling', 'config.json'),
    typeof pooling === 'string' ? pooling : JSON.stringify(pooling),
  );
  return folder;
}

describe('createEmbedder (EMBEDDER)', () => {
  it('reads the pooling a sentence-transformers export declares', () => {
    expect(folderPooling(exportWithPooling('bge', { pooling_mode_cls_token: true }))).toBe('cls');
    expect(
      folderPooling(
        exportWithPooling('e5', { pooling_mode_cls_token: false, pooling_mode_mean_tokens: true }),
      ),
    ).toBe('mean');
    expect(folderPooling(exportWithPooling('broken', '{not json'))).toBeUndefined();
    expect(folderPooling(ONNX)).toBeUndefined();
  });

  it.skipIf(!existsSync(ONNX))(
    'loads an ONNX folder with the pooling its export declares',
    async () => {
      const embedder = await createEmbedder({
        path: exportWithPooling('cls-export', { pooling_mode_cls_token: true }),
      });
      try {
        expect(embedder.name).toBe('transformers:cls-export:fp32:cls');
        const [vector] = await embedder.embed(['refund please']);
        expect(vector!.length).toBe(embedder.dimension);
      } finally {
        await embedder.close();
      }
    },
    120_000,
  );
});
