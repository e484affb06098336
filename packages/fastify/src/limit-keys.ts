/**
 * Keys of the binding's rate limiters, and the client id an OAuth request claims.
 *
 * A limiter key never contains request input: it is a fixed kind plus a truncated SHA-256 of the
 * parts (`client-ip:<22 base64url chars>`), so the memory of an in-process limiter and the keys a
 * Redis limiter writes stay small whatever a caller sends. (A 900 kB `client_id` used to become a
 * 900 kB Redis key, kept for the whole failure window.) Hashing also keeps client addresses out of
 * the shared store.
 *
 * @module
 */
import { hash } from 'node:crypto'
import { IdpError, MAX_CLIENT_ID_LENGTH, parseBasic } from '@sentryagent/core'
import type { FastifyRequest } from 'fastify'

/**
 * A bounded limiter key: `kind` (a constant of the binding) and 128 bits of SHA-256 over the parts.
 *
 * @example
 * limitKey('client-ip', clientId, req.ip) // 'client-ip:Xk3…' (32 characters at most for short kinds)
 */
export function limitKey(kind: string, ...parts: readonly string[]): string {
  // NUL cannot occur in a validated client id or in an address, so the join is unambiguous.
  const digest = hash('sha256', parts.join('\u0000'), 'base64url').slice(0, 22)
  return `${kind}:${digest}`
}

// C0 and C1 control characters and DEL, and UTF-16 surrogates that are not part of a pair.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * `true` when `id` may be used as a client id: 1–255 characters, no control character, well-formed
 * UTF-16 (stricter than core's check, which refuses only NUL and lone surrogates: no client id this
 * server issues holds a control character).
 */
export function isAcceptableClientId(id: string): boolean {
  return id.length >= 1 && id.length <= MAX_CLIENT_ID_LENGTH && !CONTROL.test(id) && !LONE_SURROGATE.test(id)
}

const DETAIL = `client_id must be 1 to ${MAX_CLIENT_ID_LENGTH} characters without control characters`

/** Like core: a malformed `client_id` parameter is a malformed request, malformed Basic credentials a failed authentication. */
function invalidClientId(where: 'form' | 'basic'): IdpError {
  return where === 'form' ? new IdpError('INVALID_REQUEST', DETAIL) : new IdpError('INVALID_CLIENT', DETAIL)
}

/**
 * The client id an OAuth request names (Basic auth or the `client_id` form parameter), without
 * authenticating it; `undefined` when it names none (or repeats `client_id`, which core rejects).
 *
 * @throws {IdpError} when the claimed id is longer than `MAX_CLIENT_ID_LENGTH` (255) characters or
 * holds a control character or a lone surrogate: INVALID_REQUEST for `client_id`, INVALID_CLIENT for
 * Basic credentials.
 * @example
 * const clientId = claimedClientId(req) // 'agt_…' | undefined
 */
export function claimedClientId(req: FastifyRequest): string | undefined {
  const body = req.body
  let bodyId: string | undefined
  if (typeof body === 'object' && body !== null && 'client_id' in body && typeof body.client_id === 'string' && body.client_id !== '') {
    if (!isAcceptableClientId(body.client_id)) throw invalidClientId('form')
    bodyId = body.client_id
  }
  const basic = parseBasic(req.headers.authorization)
  if (basic !== null) {
    if (!isAcceptableClientId(basic.clientId)) throw invalidClientId('basic')
    return basic.clientId
  }
  return bodyId
}
