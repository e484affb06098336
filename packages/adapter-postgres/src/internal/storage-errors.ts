/**
 * Maps what the database driver throws to the port's error contract: a unique violation becomes
 * `CONFLICT`, a data exception (class 22) `INVALID_REQUEST`, an unreachable or failing server
 * becomes `DEPENDENCY_UNAVAILABLE`, a statement the server rejects becomes `INTERNAL`. The driver error travels as `cause` (logged, never rendered);
 * messages never contain SQL or values.
 *
 * @module
 */
import { IdpError } from '@sentryagent/core'

/**
 * Carries an error thrown by caller code (a transaction's `work`, an audit `link`) through the
 * adapter, so that {@link guard} rethrows it untouched instead of mapping it.
 */
export class CallerError extends Error {
  readonly original: unknown
  constructor(original: unknown) {
    super('caller error')
    this.name = 'CallerError'
    this.original = original
  }
}

/** Runs caller code, marking what it throws as the caller's own. */
export async function callerCode<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw new CallerError(err)
  }
}

/** SQLSTATE classes that mean the server (not the statement) failed: retrying later may help. */
const UNAVAILABLE_CLASSES = new Set(['08', '40', '53', '55', '57', '58', 'XX'])

/** The SQLSTATE of a server error (pg and PGlite both raise `DatabaseError` with `severity`). */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err) || !('severity' in err)) return undefined
  const code = err.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** The port error for anything the driver threw. */
export function toStorageError(err: unknown): IdpError<string> {
  if (err instanceof IdpError) return err
  const state = sqlState(err)
  if (state === '23505') return new IdpError('CONFLICT', 'Record already exists', { cause: err })
  // Class 22 (data exception): a value the column cannot hold — NUL in text, a lone surrogate in
  // jsonb, an out-of-range number or date. Validation refuses these first; this is the safety net
  // that keeps a value it missed a 400 rather than a 500.
  if (state?.startsWith('22') === true) return new IdpError('INVALID_REQUEST', 'The request contains a value that cannot be stored', { cause: err })
  if (state !== undefined && !UNAVAILABLE_CLASSES.has(state.slice(0, 2))) {
    // Syntax, data and integrity errors are bugs or a schema mismatch (e.g. migrate: false on an
    // empty database): retrying cannot help, so they are not reported as a temporary outage.
    return new IdpError('INTERNAL', 'Database rejected a statement', { cause: err })
  }
  // Connection refused/reset, pool timeouts, a closed pool or PGlite, server shutdown, deadlocks.
  return new IdpError('DEPENDENCY_UNAVAILABLE', 'Database unavailable', { cause: err })
}

/**
 * Runs one repository operation: caller errors pass through untouched, `IdpError`s pass through,
 * driver errors are mapped by {@link toStorageError}.
 */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (err) {
    if (err instanceof CallerError) throw err.original
    throw toStorageError(err)
  }
}
