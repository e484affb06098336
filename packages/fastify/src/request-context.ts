/**
 * Access to the request context inside route handlers.
 *
 * @module
 */
import { IdpError, challenge, type OAuthRequest, type RequestContext } from '@sentryagent/core'
import type { FastifyRequest } from 'fastify'

/**
 * The context the bearer hook built for `req`.
 *
 * @throws {IdpError} INVALID_TOKEN when the route was reached without authentication (a route marked
 * `public` that calls an authenticated operation).
 * @example
 * const agent = await fastify.idp.agents.get(requireContext(req), req.params.agentId)
 */
export function requireContext(req: FastifyRequest): RequestContext {
  if (req.ctx === null) {
    throw new IdpError('INVALID_TOKEN', 'A Bearer access token is required', {
      headers: { 'www-authenticate': challenge('Bearer') },
    })
  }
  return req.ctx
}

/**
 * The raw inputs of an OAuth endpoint: the parsed form body, the `Authorization` header, the request
 * id and the client address. Repeated parameters stay arrays; core rejects them.
 *
 * @example
 * const res = await fastify.idp.oauth.token(toOAuthRequest(req))
 */
export function toOAuthRequest(req: FastifyRequest): OAuthRequest {
  const params: Record<string, string | string[] | undefined> = {}
  if (typeof req.body === 'object' && req.body !== null) {
    for (const [key, value] of Object.entries(req.body)) {
      if (typeof value === 'string') params[key] = value
      else if (Array.isArray(value)) params[key] = value.filter((v): v is string => typeof v === 'string')
    }
  }
  return { params, authorization: req.headers.authorization, requestId: req.id, ip: req.ip }
}
