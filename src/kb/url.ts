/**
 * An article's link, only when it is a web address. `javascript:`, `data:`, `vbscript:` and other
 * schemes would run script or show attacker content when an agent clicks the rendered link, so
 * they are refused by the API and dropped on import. Returns the URL as parsed, or null.
 */
export function webUrl(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  try {
    const url = new URL(trimmed);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
