import { IdpError } from '../errors.js'
import type { OAuthRequest } from '../context.js'

/**
 * Reads a single-valued OAuth parameter. RFC 6749 §3.2: parameters MUST NOT be repeated.
 * @throws {IdpError} INVALID_REQUEST for a repeated parameter, or a missing required one.
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
  return v
}
