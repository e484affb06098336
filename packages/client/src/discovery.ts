/**
 * OAuth 2.0 authorization server metadata (RFC 8414), read from the well-known URI of the IdP's base
 * URL: `https://host/.well-known/oauth-authorization-server` (for a base URL with a path, the path
 * follows the well-known segment, RFC 8414 §3.1).
 *
 * @module
 */
import { readApiError } from './internal/read-api-error.js'

/** The fields of the IdP's discovery document the SDK uses (others are kept as they are). */
export interface AuthorizationServerMetadata {
  issuer: string
  token_endpoint: string
  jwks_uri: string
  introspection_endpoint?: string
  revocation_endpoint?: string
  [key: string]: unknown
}

/**
 * Fetches the discovery document of the IdP at `url` (its base URL).
 *
 * @throws {IdpApiError} when the server answers an error.
 * @throws {TypeError} when the document lacks `issuer`, `token_endpoint` or `jwks_uri`.
 * @example
 * const meta = await discover('https://idp.example.com')
 */
export async function discover(url: string, fetchImpl: typeof fetch = fetch): Promise<AuthorizationServerMetadata> {
  const base = baseOf(url)
  const path = base.pathname.replace(/(?<!\/)\/+$/, '')
  const res = await fetchImpl(new URL(`/.well-known/oauth-authorization-server${path}`, base.origin), { headers: { accept: 'application/json' } })
  if (!res.ok) throw await readApiError(res)
  const doc = (await res.json()) as Partial<AuthorizationServerMetadata>
  for (const field of ['issuer', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof doc[field] !== 'string') throw new TypeError(`discovery document of ${url} has no ${field}`)
  }
  return doc as AuthorizationServerMetadata
}

/** `url` as a base URL: must be http(s); a trailing slash is added so that relative paths resolve under it. */
export function baseOf(url: string): URL {
  const u = new URL(url)
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${url}`)
  if (!u.pathname.endsWith('/')) u.pathname += '/'
  return u
}
