/**
 * The one error handler of the binding (STYLE §7) and the not-found handler. Every error, from core,
 * Fastify or another plugin, becomes an `IdpError` and is rendered by one of core's two renderers:
 * RFC 6749 §5.2 JSON on routes with `config.oauth`, RFC 9457 `application/problem+json` elsewhere.
 * Non-exposed errors (5xx) reveal nothing but their generic title; the cause goes to the log.
 *
 * @module
 */
import { IdpError, toIdpError, toOAuthError, toProblem } from '@sentryagent/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { fromFastifyError } from './from-fastify-error.js'

const hasHeader = (headers: Record<string, string>, name: string): boolean =>
  Object.keys(headers).some((k) => k.toLowerCase() === name)

/** Response headers of `e`, with the RFC 6750 / RFC 6749 challenges added when core gave none. */
function challengeHeaders(e: IdpError<string>, oauth: boolean): Record<string, string> {
  const headers = e.headers()
  if (hasHeader(headers, 'www-authenticate')) return headers
  if (e.code === 'INVALID_TOKEN' || e.code === 'INSUFFICIENT_SCOPE') {
    headers['www-authenticate'] = `Bearer error="${e.oauth}"`
  } else if (e.code === 'INVALID_CLIENT' && oauth) {
    headers['www-authenticate'] = 'Basic realm="sentryagent"'
  }
  return headers
}

/**
 * Codes that refuse on a count, not a rate (SPEC §11: the plan's agent cap). Waiting does not help,
 * so their responses carry neither `Retry-After` nor the request-quota `RateLimit-*` headers the
 * rate limiter set earlier, which a client would read as throttling.
 */
const COUNT_LIMIT_CODES = new Set(['AGENT_LIMIT_REACHED'])
const QUOTA_HEADERS = ['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'] as const

/** The path of the request without its query string, which may carry secrets. */
const instanceOf = (req: FastifyRequest): string => req.url.split('?', 1)[0] ?? '/'

/**
 * Renders `e` on `reply` in the style the route asks for.
 *
 * @example
 * return sendError(new IdpError('NOT_FOUND'), req, reply)
 */
export function sendError(e: IdpError<string>, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const oauth = req.routeOptions.config.oauth === true
  if (COUNT_LIMIT_CODES.has(e.code)) for (const name of QUOTA_HEADERS) reply.removeHeader(name)
  reply.status(e.status).headers(challengeHeaders(e, oauth))
  // Serialized here rather than through the route's response schema, so that no field is dropped.
  if (oauth) return reply.type('application/json; charset=utf-8').send(JSON.stringify(toOAuthError(e)))
  return reply
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(toProblem(e, instanceOf(req), req.id)))
}

/**
 * The error handler: maps, logs (4xx at `info`, 5xx at `error` with `err`) and renders.
 *
 * @example
 * fastify.setErrorHandler(idpErrorHandler)
 */
export function idpErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = fromFastifyError(err) ?? toIdpError(err)
  if (e.status >= 500) req.log.error({ err, code: e.code }, 'request failed')
  else req.log.info({ code: e.code, status: e.status }, 'request rejected')
  return sendError(e, req, reply)
}

/**
 * The not-found handler: `404` problem+json with code `NOT_FOUND`.
 *
 * @example
 * fastify.setNotFoundHandler(idpNotFoundHandler)
 */
export function idpNotFoundHandler(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = new IdpError('NOT_FOUND', `No route for ${req.method} ${instanceOf(req)}`)
  req.log.info({ code: e.code, status: e.status }, 'route not found')
  return sendError(e, req, reply)
}
