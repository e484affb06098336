/**
 * The one error table. A stable `code` maps to an HTTP status and, for protocol endpoints, to an
 * OAuth 2.0 `error` (RFC 6749 §5.2, RFC 6750 §3.1). Two renderers, {@link toOAuthError} and
 * {@link toProblem}, are the only way an error reaches a client.
 *
 * @module
 */

/** OAuth 2.0 error codes this server emits. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'server_error'
  | 'temporarily_unavailable'

/** Shape of one row of an error table. */
export interface ErrorCodeSpec {
  readonly status: number
  readonly title: string
  readonly oauth?: OAuthErrorCode
  /** `false` renders as a generic server error: detail and cause stay in the logs. */
  readonly expose?: boolean
}

/**
 * Declares an error table; plugins use it for their own prefixed codes.
 *
 * @example
 * export const BILLING_ERROR_CODES = defineErrorCodes({ BILLING_WEBHOOK_SIGNATURE_INVALID: { status: 400, title: 'Bad signature' } })
 */
export function defineErrorCodes<T extends Record<string, ErrorCodeSpec>>(table: T): T {
  return table
}

/** Every error code of the core, with its HTTP status and OAuth error. Codes are never renamed. */
export const ERROR_CODES = defineErrorCodes({
  VALIDATION_ERROR: { status: 400, title: 'Validation failed', oauth: 'invalid_request' },
  INVALID_REQUEST: { status: 400, title: 'Invalid request', oauth: 'invalid_request' },
  INVALID_CLIENT: { status: 401, title: 'Client authentication failed', oauth: 'invalid_client' },
  INVALID_GRANT: { status: 400, title: 'Invalid grant', oauth: 'invalid_grant' },
  UNAUTHORIZED_CLIENT: { status: 400, title: 'Unauthorized client', oauth: 'unauthorized_client' },
  UNSUPPORTED_GRANT_TYPE: { status: 400, title: 'Unsupported grant type', oauth: 'unsupported_grant_type' },
  INVALID_SCOPE: { status: 400, title: 'Invalid scope', oauth: 'invalid_scope' },
  INVALID_TOKEN: { status: 401, title: 'Invalid access token', oauth: 'invalid_token' },
  INSUFFICIENT_SCOPE: { status: 403, title: 'Insufficient scope', oauth: 'insufficient_scope' },
  NOT_FOUND: { status: 404, title: 'Not found', oauth: 'invalid_request' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', oauth: 'invalid_request' },
  CONFLICT: { status: 409, title: 'Conflict', oauth: 'invalid_request' },
  GONE: { status: 410, title: 'Gone', oauth: 'invalid_request' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', oauth: 'invalid_request' },
  URI_TOO_LONG: { status: 414, title: 'URI too long', oauth: 'invalid_request' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', oauth: 'invalid_request' },
  RATE_LIMITED: { status: 429, title: 'Too many requests', oauth: 'invalid_request' },
  TIER_LIMIT_EXCEEDED: { status: 429, title: 'Plan limit exceeded', oauth: 'invalid_request' },
  // A count, not a window: waiting does not help, so no Retry-After (SPEC §11).
  AGENT_LIMIT_REACHED: { status: 403, title: 'Agent limit reached', oauth: 'invalid_request' },
  CONFIG_INVALID: { status: 500, title: 'Invalid configuration', oauth: 'server_error', expose: false },
  INTERNAL: { status: 500, title: 'Internal server error', oauth: 'server_error', expose: false },
  DEPENDENCY_UNAVAILABLE: {
    status: 503,
    title: 'Service temporarily unavailable',
    oauth: 'temporarily_unavailable',
    expose: false,
  },
})

/** A code of the core error table. */
export type IdpErrorCode = keyof typeof ERROR_CODES

/** One offending field of a `VALIDATION_ERROR`. */
export interface FieldError {
  /** JSON pointer of the field (`/scopes/0`), or `/` for the whole body. */
  readonly field: string
  readonly message: string
}

/** Options of {@link IdpError}. */
export interface IdpErrorOptions {
  cause?: unknown
  retryAfterSeconds?: number
  errors?: readonly FieldError[]
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  headers?: Readonly<Record<string, string>>
  /** Overrides the table's status (plugins' codes come with their own table row). */
  spec?: ErrorCodeSpec
}

const registry = new Map<string, ErrorCodeSpec>(Object.entries(ERROR_CODES))

/** Makes plugin error codes known to {@link IdpError} so their status is right. */
export function registerErrorCodes(table: Record<string, ErrorCodeSpec>): void {
  for (const [code, spec] of Object.entries(table)) registry.set(code, spec)
}

/**
 * The error every core operation throws. `code` is the contract; `message` is a human detail that
 * never contains secrets.
 *
 * @example
 * throw new IdpError('NOT_FOUND', 'Agent not found')
 */
export class IdpError<C extends string = IdpErrorCode> extends Error {
  readonly code: C
  readonly status: number
  readonly title: string
  readonly oauth: OAuthErrorCode
  readonly expose: boolean
  readonly retryAfterSeconds: number | undefined
  readonly errors: readonly FieldError[] | undefined
  readonly extraHeaders: Readonly<Record<string, string>>

  constructor(code: C, detail?: string, options: IdpErrorOptions = {}) {
    const spec = options.spec ?? registry.get(code) ?? ERROR_CODES.INTERNAL
    super(detail ?? spec.title, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'IdpError'
    this.code = code
    this.status = spec.status
    this.title = spec.title
    this.oauth = spec.oauth ?? (spec.status >= 500 ? 'server_error' : 'invalid_request')
    this.expose = spec.expose ?? true
    this.retryAfterSeconds = options.retryAfterSeconds
    this.errors = options.errors
    this.extraHeaders = options.headers ?? {}
  }

  /** Response headers this error requires (`WWW-Authenticate`, `Retry-After`). */
  headers(): Record<string, string> {
    const h: Record<string, string> = { ...this.extraHeaders }
    if (this.retryAfterSeconds !== undefined) h['retry-after'] = String(this.retryAfterSeconds)
    return h
  }
}

/** `true` for an {@link IdpError} with the given code (or any code when omitted). */
export function isIdpError(err: unknown, code?: string): err is IdpError<string> {
  return err instanceof IdpError && (code === undefined || err.code === code)
}

/** Wraps anything thrown into an `IdpError`; unknown errors become a non-exposed `INTERNAL`. */
export function toIdpError(err: unknown): IdpError<string> {
  if (err instanceof IdpError) return err
  return new IdpError('INTERNAL', undefined, { cause: err })
}

/** RFC 6749 §5.2 error body. */
export interface OAuthErrorBody {
  error: OAuthErrorCode
  error_description?: string
}

/** Renders an error for an OAuth endpoint (RFC 6749 §5.2); non-exposed errors reveal nothing. */
export function toOAuthError(e: IdpError<string>): OAuthErrorBody {
  if (!e.expose) return { error: e.oauth }
  return { error: e.oauth, error_description: e.message }
}

/** RFC 9457 problem details with the stable `code`. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  code: string
  requestId?: string
  errors?: readonly FieldError[]
}

/** Renders an error as `application/problem+json` (RFC 9457); non-exposed errors reveal nothing. */
export function toProblem(e: IdpError<string>, instance: string, requestId?: string): ProblemBody {
  const code = e.expose ? e.code : e.status === 503 ? 'DEPENDENCY_UNAVAILABLE' : 'INTERNAL'
  const body: ProblemBody = {
    type: `https://sentryagent.dev/errors/${code.toLowerCase().replaceAll('_', '-')}`,
    title: e.title,
    status: e.status,
    detail: e.expose ? e.message : e.title,
    instance,
    code,
  }
  if (requestId !== undefined) body.requestId = requestId
  if (e.expose && e.errors !== undefined) body.errors = e.errors
  return body
}
