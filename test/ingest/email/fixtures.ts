import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// shared/ sits beside the repository, locally and in CI's fresh clone alike.
export const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const EMAIL_DIR = path.join(SHARED_DATA, 'email');
export const WEBHOOK_DIR = path.join(SHARED_DATA, 'webhooks');

export function listFiles(dir: string, extension: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(extension)) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

/** Path relative to shared/data/email, as the tests name fixtures. */
export function emailFixtureName(file: string): string {
  return path.relative(EMAIL_DIR, file).split(path.sep).join('/');
}

export function readEmail(relative: string): Buffer {
  return readFileSync(path.join(EMAIL_DIR, relative));
}

export const PARSE_OPTIONS = { maxAttachmentBytes: 10 * 1024 * 1024 } as const;
