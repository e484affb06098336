/**
 * The bearer authentication hook. Every route requires an RFC 6750 Bearer access token unless its
 * `config.public` is `true`; the hook verifies the token through `idp.authenticate()` and sets
 * `request.auth` and `request.ctx` for the handler. Core then enforces scopes and tenancy.
 *
 * @module
 */
import { IdpError, challenge, parseBearer, toIdpError, type Idp, type RequestContext } from '@sentryagent/core'
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is
 * case-insensitive), or `undefined` when the header is absent or uses another scheme.
 *
 * @example
 * bearerToken('Bearer eyJ…') // 'eyJ…'
 */
export function bearerToken(header: string | undefined): string | undefined {
  // A Bearer header with a malformed token is still a presented (and invalid) token: ''.
  return parseBearer(header)
}

/** RFC 6750 §3.1: an `error` only when credentials were presented. */
function invalidToken(presented: boolean, cause?: unknown): IdpError {
  const detail = presented ? 'The access token is invalid, expired or revoked' : 'A Bearer access token is required'
  return new IdpError('INVALID_TOKEN', detail, {
    cause,
    headers: { 'www-authenticate': presented ? challenge('Bearer', { error: 'invalid_token' }) : challenge('Bearer') },
  })
}

/**
 * Authenticates `req` with its Bearer token and returns the request context.
 *
 * @throws {IdpError} INVALID_TOKEN when the token is missing, malformed, or rejected by core.
 * @example
 * const ctx = await authenticateRequest(fastify.idp, request)
 */
export async function authenticateRequest(idp: Idp, req: FastifyRequest): Promise<RequestContext> {
  const token = bearerToken(req.headers.authorization)
  if (token === undefined) throw invalidToken(false)
  if (token === '') throw invalidToken(true)
  let auth: Awaited<ReturnType<Idp['authenticate']>>
  try {
    auth = await idp.authenticate(token)
  } catch (err) {
    const e = toIdpError(err)
    if (e.code !== 'INVALID_TOKEN') throw e
    // Keep core's challenge when it gave one (it may carry error_description or a realm).
    if (Object.keys(e.headers()).some((k) => k.toLowerCase() === 'www-authenticate')) throw e
    throw invalidToken(true, e)
  }
  req.auth = auth
  const ctx: RequestContext = { auth, requestId: req.id, ip: req.ip }
  req.ctx = ctx
  return ctx
}

/**
 * Authenticates a request that carries no `Authorization` header some other way (a plugin's
 * session cookie). Returns `null` when the request is not for it (the bearer check then applies and
 * answers 401); throws an `IdpError` to refuse it (an expired session, a missing CSRF token).
 * The returned context comes from `ExtensionApi.principalContext()`: scopes, tenancy and the
 * authority rule apply to it as to an agent's token.
 */
export type RequestAuthenticator = (req: FastifyRequest) => Promise<RequestContext | null>

async function authenticateOtherwise(authenticators: readonly RequestAuthenticator[], req: FastifyRequest): Promise<RequestContext | null> {
  // A presented Authorization header always wins: it is verified (and refused) as a bearer token.
  if (req.headers.authorization !== undefined) return null
  for (const authenticate of authenticators) {
    const ctx = await authenticate(req)
    if (ctx !== null) {
      req.auth = ctx.auth
      req.ctx = ctx
      return ctx
    }
  }
  return null
}

/**
 * Creates the `onRequest` hook that protects every non-public route. Unknown routes are left to the
 * not-found handler so that they answer 404, not 401.
 *
 * @example
 * fastify.addHook('onRequest', createBearerHook(idp))
 */
export function createBearerHook(idp: Idp, authenticators: readonly RequestAuthenticator[] = []): onRequestAsyncHookHandler {
  return async (req) => {
    const config = req.routeOptions.config
    if (req.is404 || config.public === true) return
    const ctx = (await authenticateOtherwise(authenticators, req)) ?? (await authenticateRequest(idp, req))
    // Route scopes (`config.scopes`): every one is required (403 insufficient_scope otherwise).
    for (const scope of config.scopes ?? []) idp.requireScope(ctx, scope)
  }
}
