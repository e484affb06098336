/**
 * The exit codes of `sentryagent`: documented, stable, one meaning each.
 *
 * @module
 */

/** Exit codes; `docs/cli.md` lists them. */
export const EXIT_CODES = {
  /** Done (also `audit tail` stopped with Ctrl-C). */
  OK: 0,
  /** The command ran and the answer is negative (`audit verify`: the log does not match), or an unexpected failure. */
  FAILURE: 1,
  /** Bad usage: unknown command or option, missing or invalid argument. */
  USAGE: 2,
  /** Not configured: no profile, URL or credentials (run `sentryagent configure`), or an unreadable file. */
  CONFIG: 3,
  /** The IdP refused the request (4xx): the problem `code` and `requestId` are printed. */
  REFUSED: 4,
  /** The IdP could not be reached or failed (network error, 5xx). */
  UNAVAILABLE: 5,
} as const

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/** An error that ends the command with `exitCode` and prints `message` (never a secret). */
export class CliError extends Error {
  readonly exitCode: ExitCode
  constructor(exitCode: ExitCode, message: string) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** A usage error (exit code 2). */
export const usageError = (message: string): CliError => new CliError(EXIT_CODES.USAGE, message)
/** A configuration error (exit code 3). */
export const configError = (message: string): CliError => new CliError(EXIT_CODES.CONFIG, message)
