/**
 * Why a resource server refuses a request, in RFC 6750 terms, with the `WWW-Authenticate`
 * challenge to answer.
 *
 * @module
 */

/**
 * - `missing_token`: no Bearer token (401; the challenge carries no error code, RFC 6750 §3.1)
 * - `invalid_request`: malformed Authorization header (400)
 * - `invalid_token`: expired, revoked, badly signed, wrong issuer/audience/type (401)
 * - `insufficient_scope`: valid token without a required scope (403)
 * - `temporarily_unavailable`: the IdP's keys or introspection could not be reached (503; fail closed)
 */
export type AccessTokenErrorCode = 'missing_token' | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable'

const STATUS: Record<AccessTokenErrorCode, 400 | 401 | 403 | 503> = {
  missing_token: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
}

// RFC 6750 §3: error_description and scope values may not contain `"` or `\`.
const quoted = (s: string): string => `"${s.replace(/["\\]/g, '')}"`

/**
 * The refusal of an access token.
 *
 * @example
 * try { await verifier.verify(token, { requiredScopes: ['documents:read'] }) } catch (err) {
 *   if (err instanceof AccessTokenError) res.writeHead(err.status, { 'www-authenticate': err.challenge() })
 * }
 */
export class AccessTokenError extends Error {
  readonly code: AccessTokenErrorCode
  readonly status: 400 | 401 | 403 | 503
  /** The scopes the request needed (for `insufficient_scope`). */
  readonly requiredScopes: readonly string[]

  constructor(code: AccessTokenErrorCode, description: string, options: { requiredScopes?: readonly string[]; cause?: unknown } = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AccessTokenError'
    this.code = code
    this.status = STATUS[code]
    this.requiredScopes = options.requiredScopes ?? []
  }

  /** The `WWW-Authenticate` value of this refusal (RFC 6750 §3), e.g. `Bearer error="insufficient_scope", scope="a b"`. */
  challenge(realm?: string): string {
    const params: string[] = []
    if (realm !== undefined) params.push(`realm=${quoted(realm)}`)
    if (this.code !== 'missing_token' && this.code !== 'temporarily_unavailable') {
      params.push(`error=${quoted(this.code)}`, `error_description=${quoted(this.message)}`)
    }
    if (this.requiredScopes.length > 0) params.push(`scope=${quoted(this.requiredScopes.join(' '))}`)
    return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`
  }

  /** The JSON body guards answer with: `{ error, error_description }` (no `error` for a missing token, like the challenge). */
  body(): { error?: string; error_description: string } {
    return this.code === 'missing_token' ? { error_description: this.message } : { error: this.code, error_description: this.message }
  }
}

/**
 * The token of an `Authorization` header: `undefined` when there is none (or another scheme);
 * throws `invalid_request` for a malformed Bearer header (RFC 6750 §2.1, b64token).
 */
export function bearerTokenOf(header: string | string[] | undefined): string | undefined {
  if (Array.isArray(header)) throw new AccessTokenError('invalid_request', 'Several Authorization headers')
  if (header === undefined || !/^Bearer(\s|$)/i.test(header)) return undefined
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header)
  if (match?.[1] === undefined) throw new AccessTokenError('invalid_request', 'Malformed Bearer authorization header')
  return match[1]
}
