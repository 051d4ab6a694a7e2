import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './fresh-copy.js';

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string; start_period?: string };
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  'x-env': Record<string, string>;
}

/** docker-compose.yml of a checkout (this one by default), with its text (comments included). */
export function loadCompose(dir = repoRoot): { compose: ComposeFile; text: string } {
  const text = readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
  // `merge: true` resolves `<<:` the way Docker Compose does.
  return { compose: parse(text, { merge: true }) as ComposeFile, text };
}
