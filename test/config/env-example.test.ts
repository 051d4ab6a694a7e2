import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';

/** Variables read outside the config schema, by name. */
const alsoRead = [
  'BUSINESS_TIMEZONE', // older name of TIME_ZONE (loadConfig)
  'DESKPILOT_PASSWORD', // cli users create
];

/** `NAME=value` or `# NAME=value` lines. */
function documented(): string[] {
  const names = new Set<string>();
  for (const line of readFileSync('.env.example', 'utf8').split('\n')) {
    const m = /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(line.trim());
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

describe('.env.example', () => {
  it('lists every variable the configuration reads, and nothing it does not', () => {
    const read = [...Object.keys(configSchema.shape), ...alsoRead].sort();
    const listed = documented();
    expect(read.filter((name) => !listed.includes(name))).toEqual([]);
    expect(listed.filter((name) => !read.includes(name))).toEqual([]);
  });
});
