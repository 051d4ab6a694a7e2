// semver ships no types of its own and @types/semver is not installed: the functions the tests use.
declare module 'semver' {
  export function minVersion(range: string): { version: string } | null;
  export function satisfies(version: string, range: string): boolean;
  export function validRange(range: string): string | null;
}
