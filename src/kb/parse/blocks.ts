/**
 * The structural units chunking works with. Every input format (Markdown, HTML, plain text) is
 * reduced to this list, so chunking rules are written once.
 */
export type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  /** One list item; consecutive items are kept together when they fit. */
  | { kind: 'list-item'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'table-row'; text: string };

export function collapseWhitespace(text: string): string {
  return text.replace(/[ \t\f\v\u00a0]+/g, ' ').trim();
}
