/**
 * What the binding needs from the Fastify *constructor*, which a plugin cannot set itself: request
 * ids that follow SPEC §1, and problem+json for the errors Fastify raises before any route or hook
 * runs (a malformed `%` escape in the path, an over-long path parameter). Spread
 * {@link idpServerOptions} into `Fastify({ … })`.
 *
 * @module
 */
import { IdpError, toIdpError, toProblem } from '@sentryagent/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { fromFastifyError } from './from-fastify-error.js'

/** SPEC §1: a client-sent `X-Request-Id` is kept only when it matches this. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/

/** The raw request as `genReqId` receives it. */
interface RawRequestLike {
  headers: Record<string, string | string[] | undefined>
}

/**
 * A `genReqId` that keeps a client-sent `X-Request-Id` matching {@link REQUEST_ID_PATTERN} and
 * otherwise asks `generate` for one, so that neither the response header nor the log line carries
 * what an attacker wrote (markup, log-forging newlines, 8 kB strings). Use it with
 * `requestIdHeader: false`, which makes Fastify call it for every request.
 *
 * @example
 * Fastify({ requestIdHeader: false, genReqId: requestIdFromHeader(() => randomUUID()) })
 */
export function requestIdFromHeader(generate: () => string): (req: RawRequestLike) => string {
  return (req) => {
    const sent = req.headers['x-request-id']
    return typeof sent === 'string' && REQUEST_ID_PATTERN.test(sent) ? sent : generate()
  }
}

/** The path of a raw URL, without its query string (which may carry credentials). */
export const pathOf = (url: string): string => url.split('?', 1)[0] ?? '/'

/**
 * Fastify's `frameworkErrors` handler: the errors Fastify raises while routing (`FST_ERR_BAD_URL`
 * → 400, `FST_ERR_MAX_PARAM_LENGTH` → 414) as problem+json with `X-Request-Id`. No route matched,
 * so no hook runs and the route's error style is unknown: problem+json is the default style.
 *
 * @example
 * Fastify({ frameworkErrors: idpFrameworkErrorHandler })
 */
export function idpFrameworkErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined
  // Fastify's own messages quote the path; the problem's `instance` already names it.
  const e =
    code === 'FST_ERR_BAD_URL'
      ? new IdpError('INVALID_REQUEST', 'The URL is malformed (invalid percent-encoding)', { cause: err })
      : code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new IdpError('URI_TOO_LONG', 'A path parameter is too long', { cause: err })
        : (fromFastifyError(err) ?? toIdpError(err))
  if (e.status >= 500) req.log.error({ err, code: e.code }, 'request failed')
  else req.log.info({ code: e.code, status: e.status }, 'request rejected')
  return reply
    .status(e.status)
    .header('x-request-id', req.id)
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(toProblem(e, pathOf(req.url), req.id)))
}

/**
 * The Fastify constructor options of a server hosting the binding: SPEC §1 request ids (generated
 * by `generate` unless the client sent a valid one) and problem+json for routing errors.
 *
 * @example
 * const app = Fastify({ ...idpServerOptions(() => randomUUID()), bodyLimit: 1024 * 1024 })
 */
export function idpServerOptions(generate: () => string) {
  return {
    requestIdHeader: false,
    genReqId: requestIdFromHeader(generate),
    frameworkErrors: idpFrameworkErrorHandler,
  } as const
}
