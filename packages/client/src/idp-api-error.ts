/**
 * The one error the SDK throws for an answer of the IdP that is not a success: REST problem details
 * (RFC 9457, `application/problem+json`) and OAuth 2.0 errors (RFC 6749 §5.2) alike, with the
 * server's stable `code` and the request id to quote when reporting a problem.
 *
 * @module
 */

/** One offending field of a `VALIDATION_ERROR` (a JSON pointer and a message). */
export interface IdpFieldError {
  readonly field: string
  readonly message: string
}

/** What {@link IdpApiError} is built from. */
export interface IdpApiErrorInit {
  code: string
  status: number
  detail: string
  requestId?: string | undefined
  errors?: readonly IdpFieldError[] | undefined
  /** RFC 6749 `error` of an OAuth endpoint (`invalid_client`, `invalid_grant`…). */
  oauthError?: string | undefined
  /** Seconds the server asked to wait (`Retry-After`), when it did. */
  retryAfterSeconds?: number | undefined
}

/**
 * An error answered by the IdP. `code` is the contract (`NOT_FOUND`, `INSUFFICIENT_SCOPE`,
 * `RATE_LIMITED`…; for OAuth endpoints the upper-cased RFC 6749 `error`, e.g. `INVALID_CLIENT`).
 *
 * @example
 * try { await client.agents.get(id) } catch (err) {
 *   if (err instanceof IdpApiError && err.code === 'NOT_FOUND') return null
 *   throw err
 * }
 */
export class IdpApiError extends Error {
  readonly code: string
  readonly status: number
  readonly detail: string
  readonly requestId: string | undefined
  readonly errors: readonly IdpFieldError[]
  readonly oauthError: string | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(init: IdpApiErrorInit) {
    super(`${init.code} (${init.status}): ${init.detail}`)
    this.name = 'IdpApiError'
    this.code = init.code
    this.status = init.status
    this.detail = init.detail
    this.requestId = init.requestId
    this.errors = init.errors ?? []
    this.oauthError = init.oauthError
    this.retryAfterSeconds = init.retryAfterSeconds
  }
}

/** `true` when `err` is an {@link IdpApiError}, with the given `code` when one is given. */
export function isIdpApiError(err: unknown, code?: string): err is IdpApiError {
  return err instanceof IdpApiError && (code === undefined || err.code === code)
}
