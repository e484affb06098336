/**
 * `@sentryagent/client/express`: an Express (or plain `node:http`) middleware that requires the
 * IdP's access tokens and answers RFC 6750 challenges: 401 `invalid_token` (no error code when no
 * token was sent), 403 `insufficient_scope` with the required `scope`, 400 `invalid_request` for a
 * malformed header, 503 when the IdP's keys cannot be loaded (fail closed). The verified token is
 * on `req.agentToken` (with `act` for delegated calls).
 *
 * @example
 * import { requireAgentToken } from '@sentryagent/client/express'
 * const verifier = createAccessTokenVerifier({ issuer, audience: issuer })
 * app.get('/reports', requireAgentToken({ verifier, requiredScopes: ['reports:read'] }), (req, res) => {
 *   res.json({ for: req.agentToken?.subject, actingAgent: req.agentToken?.act?.sub })
 * })
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AccessTokenError, bearerTokenOf } from './access-token-error.js'
import type { AccessTokenVerifier, VerifiedAccessToken } from './verify-access-token.js'

/** Options of {@link requireAgentToken}. */
export interface ExpressGuardOptions {
  /** Create it once with `createAccessTokenVerifier()` and share it between routes. */
  verifier: AccessTokenVerifier
  /** Every one of these scopes must be granted. */
  requiredScopes?: readonly string[]
  /** `realm` of the challenges. */
  realm?: string
}

// Express users get `req.agentToken` typed on their `Request` (the `Express` namespace that
// @types/express declares and merges; without Express it is an unused empty interface).
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- declaration merging with @types/express
  namespace Express {
    interface Request {
      /** The verified access token, set by `requireAgentToken()`. */
      agentToken?: VerifiedAccessToken
    }
  }
}

/** A request the guard let through. */
export type AgentTokenRequest = IncomingMessage & { agentToken?: VerifiedAccessToken }

/** The middleware signature (Express `RequestHandler`-compatible). */
export type AgentTokenMiddleware = (req: AgentTokenRequest, res: ServerResponse, next: (err?: unknown) => void) => void

/**
 * Creates the middleware.
 *
 * @example
 * app.use('/api', requireAgentToken({ verifier }))
 */
export function requireAgentToken(options: ExpressGuardOptions): AgentTokenMiddleware {
  const refuse = (res: ServerResponse, err: AccessTokenError) => {
    res.statusCode = err.status
    res.setHeader('www-authenticate', err.challenge(options.realm))
    res.setHeader('cache-control', 'no-store')
    res.setHeader('content-type', 'application/json; charset=utf-8')
    res.end(JSON.stringify(err.body()))
  }
  return (req, res, next) => {
    let token: string | undefined
    try {
      token = bearerTokenOf(req.headers.authorization)
    } catch (err) {
      if (err instanceof AccessTokenError) return refuse(res, err)
      return next(err)
    }
    if (token === undefined) {
      return refuse(res, new AccessTokenError('missing_token', 'A Bearer access token is required', { requiredScopes: options.requiredScopes }))
    }
    options.verifier.verify(token, { requiredScopes: options.requiredScopes }).then(
      (verified) => {
        req.agentToken = verified
        next()
      },
      (err: unknown) => (err instanceof AccessTokenError ? refuse(res, err) : next(err)),
    )
  }
}

export { AccessTokenError } from './access-token-error.js'
export type { VerifiedAccessToken } from './verify-access-token.js'
