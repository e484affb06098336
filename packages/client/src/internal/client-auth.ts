/**
 * OAuth 2.0 client authentication for the token, introspection and revocation endpoints:
 * `client_secret_basic` (RFC 6749 §2.3.1, form-urlencoded before base64), `client_secret_post` or
 * `private_key_jwt` (RFC 7523).
 *
 * @module
 */
import type { JWK } from 'jose'
import { signClientAssertion } from '../client-assertion.js'

/** How a client authenticates to the IdP's OAuth endpoints. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

/** A client's credentials: a secret, or a private key for `private_key_jwt`. */
export interface ClientCredentials {
  /** The credential's client id (for `private_key_jwt`: the agent id). */
  clientId: string
  clientSecret?: string | undefined
  /** The agent's private JWK, for `private_key_jwt`. */
  privateKey?: JWK | undefined
  /** @default 'private_key_jwt' with a private key, else 'client_secret_basic' */
  authMethod?: ClientAuthMethod | undefined
}

/** The method `credentials` use; throws when they cannot support it. */
export function authMethodOf(credentials: ClientCredentials): ClientAuthMethod {
  const method = credentials.authMethod ?? (credentials.privateKey !== undefined ? 'private_key_jwt' : 'client_secret_basic')
  if (method === 'private_key_jwt' && credentials.privateKey === undefined) throw new TypeError('private_key_jwt needs privateKey')
  if (method !== 'private_key_jwt' && (credentials.clientSecret === undefined || credentials.clientSecret === '')) {
    throw new TypeError(`${method} needs clientSecret`)
  }
  return method
}

// RFC 6749 §2.3.1: client id and secret are form-urlencoded before they are joined and encoded.
const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+')

/**
 * Adds client authentication to a form request: an `Authorization: Basic` header or body parameters.
 * `audience` is the `aud` of a `private_key_jwt` assertion (the issuer).
 */
export async function authenticateClient(
  credentials: ClientCredentials,
  form: URLSearchParams,
  headers: Headers,
  audience: string,
  now: Date,
): Promise<void> {
  const method = authMethodOf(credentials)
  if (method === 'client_secret_basic') {
    const pair = `${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret ?? '')}`
    headers.set('authorization', `Basic ${btoa(pair)}`)
  } else if (method === 'client_secret_post') {
    form.set('client_id', credentials.clientId)
    form.set('client_secret', credentials.clientSecret ?? '')
  } else if (credentials.privateKey !== undefined) {
    form.set('client_id', credentials.clientId)
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    form.set('client_assertion', await signClientAssertion({ clientId: credentials.clientId, audience, privateKey: credentials.privateKey, now }))
  }
}
