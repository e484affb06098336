/**
 * Responses that carry a secret — a client secret, a generated private key, a delegation token, an
 * access token — must never be kept by a cache (SPEC §1, RFC 6749 §5.1, RFC 9111 §5.2.2.5).
 * `Pragma: no-cache` covers HTTP/1.0 caches, as RFC 6749 §5.1's example does.
 *
 * @module
 */
import type { FastifyReply } from 'fastify'

/**
 * Marks `reply` as not storable by any cache.
 *
 * @example
 * return noStore(reply).code(201).send(credential)
 */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
}
