export type EmailParseErrorCode = 'empty' | 'unparseable' | 'no_usable_content' | 'invalid_payload';

/**
 * Thrown only when nothing usable can be read from the input; anything partially readable is
 * returned best-effort instead. `field` names the offending webhook field for `invalid_payload`
 * so the HTTP layer can answer 400 with it.
 */
export class EmailParseError extends Error {
  override readonly name = 'EmailParseError';
  readonly code: EmailParseErrorCode;
  readonly field: string | null;

  constructor(
    code: EmailParseErrorCode,
    message: string,
    options: { cause?: unknown; field?: string | null } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field ?? null;
  }
}
