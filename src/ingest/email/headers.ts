import type { HeaderField, HeaderList } from './types.js';

/** All values of a header, case-insensitively, in message order. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter((field) => field.name.toLowerCase() === wanted).map((field) => field.value);
}

export function firstHeader(headers: HeaderList, name: string): string | null {
  return headerValues(headers, name)[0] ?? null;
}

export function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]*/g, ' ').trim();
}

// RFC 5322 field names: printable ASCII except colon.
const FIELD_NAME = /^[!-9;-~]+$/;

/** Splits a raw header block (as SendGrid's `headers` field carries it) into fields. */
export function parseHeaderBlock(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  const lines = block.split(/\r?\n/);
  let current: { name: string; value: string } | null = null;
  for (const line of lines) {
    if (line === '') break;
    if ((line.startsWith(' ') || line.startsWith('\t')) && current) {
      current.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!FIELD_NAME.test(name)) continue;
    current = { name, value: line.slice(colon + 1).trim() };
    fields.push(current);
  }
  return fields.map((field) => ({ name: field.name, value: field.value.trim() }));
}

/**
 * Serialises fields back into a header block, so provider payloads can go through the same
 * MIME header decoding (encoded words, address lists) as raw mail. Line breaks inside values are
 * flattened: a value must not be able to start a header of its own.
 */
export function toHeaderBlock(headers: HeaderList): string {
  return headers
    .filter((field) => FIELD_NAME.test(field.name))
    .map((field) => `${field.name}: ${field.value.replace(/[\r\n]+/g, ' ')}\r\n`)
    .join('');
}
