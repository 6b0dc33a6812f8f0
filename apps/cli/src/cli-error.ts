/** A mistake in how the command was called (exit 2, with a hint to `--help`). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes, as documented in the README. */
export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_INPUT = 2;
export const EXIT_INTERNAL = 3;
