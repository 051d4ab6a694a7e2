// Tokens end up in DB lookups and log lines; a tight charset and length keep them boring.
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidPlusToken(token: string): boolean {
  return TOKEN.test(token);
}

function bareAddress(value: string): string {
  const bracketed = value.match(/<([^<>]*)>/);
  return (bracketed?.[1] ?? value).trim();
}

function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}

/**
 * The `<token>` of the first `support+<token>@domain` address. With `supportAddress`, only
 * sub-addresses of that mailbox count (a customer's own `me+shop@gmail.com` in Cc must not be
 * taken for a ticket token); without it, the first plus-address of any mailbox is used, so pass
 * the addresses most certainly ours (delivered-to) first.
 */
export function extractPlusToken(
  addresses: readonly string[],
  supportAddress?: string,
): string | null {
  const support = supportAddress ? splitAddress(bareAddress(supportAddress)) : null;
  const supportLocal = support?.local.split('+')[0]?.toLowerCase() ?? null;
  for (const raw of addresses) {
    const parts = splitAddress(bareAddress(raw));
    if (!parts) continue;
    const plus = parts.local.indexOf('+');
    if (plus <= 0) continue;
    const base = parts.local.slice(0, plus);
    const token = parts.local.slice(plus + 1);
    if (support && (base.toLowerCase() !== supportLocal || parts.domain !== support.domain)) {
      continue;
    }
    if (isValidPlusToken(token)) return token;
  }
  return null;
}
