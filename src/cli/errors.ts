/** A mistake in what was typed (argument, flag, unknown id/team/role): one line, exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
