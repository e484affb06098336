/**
 * The one parser of each HTTP authentication scheme and the one builder of `WWW-Authenticate`
 * challenges, for every endpoint of core and the binding: Basic (RFC 7617, with RFC 6749 §2.3.1's
 * form-encoding of client credentials) and Bearer (RFC 6750). One realm for every Basic challenge.
 *
 * @module
 */

/** The realm of every Basic challenge. */
export const REALM = 'sentryagent'

/** Client credentials of a Basic header. */
export interface BasicCredentials {
  clientId: string
  secret: string
}

const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i
const BEARER = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i

/** `true` when the header uses the Basic scheme with credentials (well-formed or not). */
export function isBasic(header: string | undefined): header is string {
  return header !== undefined && /^Basic\s/i.test(header)
}

/** `true` when the header uses the Bearer scheme (well-formed or not). */
export function isBearer(header: string | undefined): header is string {
  return header !== undefined && /^Bearer(\s|$)/i.test(header)
}

const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '))

/**
 * The client id and secret of an `Authorization: Basic …` header, both form-decoded
 * (RFC 6749 §2.3.1); `null` when the header is not a well-formed Basic header with a non-empty id.
 *
 * @example
 * parseBasic('Basic YWdlbnQ6czNjcmV0')   // { clientId: 'agent', secret: 's3cret' }
 */
export function parseBasic(header: string | undefined): BasicCredentials | null {
  const m = header === undefined ? null : BASIC.exec(header)
  if (m?.[1] === undefined) return null
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 1) return null
  try {
    return { clientId: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) }
  } catch {
    return null
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is
 * case-insensitive): `undefined` when the header is absent or uses another scheme, `''` when it
 * uses the Bearer scheme with a malformed token (a presented, invalid token).
 *
 * @example
 * parseBearer('Bearer eyJ…')   // 'eyJ…'
 * parseBearer('Bearer a b')    // ''
 * parseBearer('Basic …')       // undefined
 */
export function parseBearer(header: string | undefined): string | undefined {
  if (!isBearer(header)) return undefined
  return BEARER.exec(header)?.[1] ?? ''
}

/** A Bearer error (RFC 6750 §3.1). */
export interface BearerError {
  error: 'invalid_request' | 'invalid_token' | 'insufficient_scope'
  description?: string
  /** Scopes the request needs (`insufficient_scope`). */
  scope?: string
}

/** An RFC 7230 quoted-string: backslash and double quote escaped, control characters dropped. */
const quoted = (value: string): string => `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/[\\"]/g, (c) => `\\${c}`)}"`

/**
 * A `WWW-Authenticate` challenge. Basic always names the one realm; Bearer carries an error only
 * when credentials were presented (RFC 6750 §3.1).
 *
 * @example
 * challenge('Basic')                                                    // Basic realm="sentryagent", charset="UTF-8"
 * challenge('Bearer')                                                   // Bearer
 * challenge('Bearer', { error: 'insufficient_scope', scope: 'agents:write' })
 */
export function challenge(scheme: 'Basic' | 'Bearer', error?: BearerError): string {
  if (scheme === 'Basic') return `Basic realm=${quoted(REALM)}, charset="UTF-8"`
  if (error === undefined) return 'Bearer'
  const params = [`error=${quoted(error.error)}`]
  if (error.description !== undefined) params.push(`error_description=${quoted(error.description)}`)
  if (error.scope !== undefined) params.push(`scope=${quoted(error.scope)}`)
  return `Bearer ${params.join(', ')}`
}
