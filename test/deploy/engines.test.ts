import { readFileSync } from 'node:fs';
import { minVersion, satisfies, validRange } from 'semver';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  engines?: { node?: string } | string[];
  os?: string[];
  cpu?: string[];
}

const declared = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } })
  .engines.node;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/** The lowest version of Node major `major` the range allows, or null when it allows none. */
function lowestOfMajor(range: string, major: number): string | null {
  // Per `||` alternative: semver's minVersion gives up on a union as soon as one alternative
  // cannot be met (`^20.19.0` within major 22), so each is asked alone.
  const lowest = range
    .split('||')
    .map((part) => minVersion(`${part.trim()} >=${major}.0.0 <${major + 1}.0.0`)?.version)
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => (satisfies(a, `<${b}`) ? -1 : 1));
  return lowest[0] ?? null;
}

/** A platform binary npm installs only where its `os`/`cpu` fit (`!x` excludes x). */
function fitsThisPlatform(pkg: LockedPackage): boolean {
  const fits = (list: string[] | undefined, value: string) =>
    !list ||
    (list.some((v) => !v.startsWith('!')) ? list.includes(value) : !list.includes(`!${value}`));
  return fits(pkg.os, process.platform) && fits(pkg.cpu, process.arch);
}

describe('package.json engines', () => {
  it('is a valid range, and the lock file records the same one', () => {
    expect(validRange(declared)).not.toBeNull();
    expect((lock.packages['']!.engines as { node: string }).node).toBe(declared);
  });

  it('the lowest allowed version of every Node major satisfies every locked package (no EBADENGINE)', () => {
    const majors = Array.from({ length: 30 - 18 + 1 }, (_, i) => 18 + i)
      .map((major) => lowestOfMajor(declared, major))
      .filter((v): v is string => v !== null);
    // What the range says in words: 20 from 20.19, 22 from 22.13, then 24 and later (21 and 23,
    // odd releases, are refused by eslint's and vitest's own ranges).
    expect(majors.slice(0, 4)).toEqual(['20.19.0', '22.13.0', '24.0.0', '25.0.0']);

    const refused: string[] = [];
    for (const [where, pkg] of Object.entries(lock.packages)) {
      const wanted = !Array.isArray(pkg.engines) ? pkg.engines?.node : undefined;
      if (!where || !wanted || !fitsThisPlatform(pkg)) continue;
      for (const version of majors) {
        if (!satisfies(version, wanted)) refused.push(`${where} wants ${wanted}, not ${version}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('the Node running the tests is inside the range', () => {
    expect(satisfies(process.version, declared)).toBe(true);
  });
});
