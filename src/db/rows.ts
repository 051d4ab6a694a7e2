/** drizzle's `execute` returns an array on postgres.js and `{ rows }` on PGlite; this hides it. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
