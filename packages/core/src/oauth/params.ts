import { IdpError } from '../errors.js'
import type { OAuthRequest } from '../idp.js'
import { isWellFormedText } from '../input-rules.js'

/**
 * Longest accepted client id, in characters. Ours are UUIDs or operator-chosen bootstrap ids; the
 * cap keeps a claimed id (body, Basic header or assertion `iss`) from being a memory or storage
 * weapon before anything looks it up.
 */
export const MAX_CLIENT_ID_LENGTH = 255

/**
 * Reads a single-valued OAuth parameter. RFC 6749 §3.2: parameters MUST NOT be repeated.
 * @throws {IdpError} INVALID_REQUEST for a repeated parameter, a missing required one, or a value
 * with a NUL character or a lone surrogate.
 */
export function param(req: OAuthRequest, name: string, required: true): string
export function param(req: OAuthRequest, name: string, required?: false): string | undefined
export function param(req: OAuthRequest, name: string, required = false): string | undefined {
  const v = req.params[name]
  if (Array.isArray(v)) throw new IdpError('INVALID_REQUEST', `Parameter ${name} is repeated`)
  if (v === undefined || v === '') {
    if (required) throw new IdpError('INVALID_REQUEST', `Missing parameter ${name}`)
    return undefined
  }
  if (!isWellFormedText(v)) throw new IdpError('INVALID_REQUEST', `Parameter ${name} contains a NUL character or a lone surrogate`)
  if (name === 'client_id' && !isClientIdShaped(v)) throw new IdpError('INVALID_REQUEST', `client_id is longer than ${MAX_CLIENT_ID_LENGTH} characters`)
  return v
}

/**
 * `true` when `clientId` may be looked up: well formed (no NUL, no lone surrogate) and at most
 * {@link MAX_CLIENT_ID_LENGTH} characters.
 */
export function isClientIdShaped(clientId: string): boolean {
  return clientId.length <= MAX_CLIENT_ID_LENGTH && isWellFormedText(clientId)
}
