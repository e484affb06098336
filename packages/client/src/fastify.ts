/**
 * `@sentryagent/client/fastify`: protects a Fastify resource server with the IdP's access tokens.
 * Registering the plugin decorates `request.agentToken` and `fastify.requireAgentToken(options)`,
 * a `preHandler` that answers RFC 6750 challenges: 401 `invalid_token` (no error code when no token
 * was sent), 403 `insufficient_scope` with the required `scope`, 400 `invalid_request` for a
 * malformed header, 503 when the IdP's keys cannot be loaded (fail closed).
 *
 * @example
 * import agentIdpAuth from '@sentryagent/client/fastify'
 * await app.register(agentIdpAuth, { issuer, audience: issuer })
 * app.get('/reports', { preHandler: app.requireAgentToken({ requiredScopes: ['reports:read'] }) },
 *   async (req) => ({ for: req.agentToken?.subject, actingAgent: req.agentToken?.act?.sub }))
 *
 * @module
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { AccessTokenError, bearerTokenOf } from './access-token-error.js'
import { createAccessTokenVerifier, type AccessTokenVerifier, type AccessTokenVerifierOptions, type VerifiedAccessToken } from './verify-access-token.js'

/** Options of the plugin: a verifier, or the options to create one. */
export type AgentIdpFastifyOptions = ({ verifier: AccessTokenVerifier } | AccessTokenVerifierOptions) & {
  /** `realm` of the challenges. */
  realm?: string
}

/** Options of `fastify.requireAgentToken()`. */
export interface RequireAgentTokenOptions {
  /** Every one of these scopes must be granted. */
  requiredScopes?: readonly string[]
}

/** A `preHandler` hook that verifies the request's token. */
export type AgentTokenPreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token, set by `requireAgentToken()`; `null` on unprotected routes. */
    agentToken: VerifiedAccessToken | null
  }
  interface FastifyInstance {
    /** A `preHandler` that requires a valid IdP access token (with the given scopes). */
    requireAgentToken(options?: RequireAgentTokenOptions): AgentTokenPreHandler
  }
}

const plugin: FastifyPluginAsync<AgentIdpFastifyOptions> = async (app, options) => {
  const verifier = 'verifier' in options ? options.verifier : createAccessTokenVerifier(options)
  app.decorateRequest('agentToken', null)
  app.decorate('requireAgentToken', (required: RequireAgentTokenOptions = {}): AgentTokenPreHandler => {
    return async (request, reply) => {
      try {
        const token = bearerTokenOf(request.headers.authorization)
        if (token === undefined) throw new AccessTokenError('missing_token', 'A Bearer access token is required', { requiredScopes: required.requiredScopes })
        request.agentToken = await verifier.verify(token, { requiredScopes: required.requiredScopes })
        return undefined
      } catch (err) {
        if (!(err instanceof AccessTokenError)) throw err
        request.log.info({ code: err.code }, 'access token refused')
        return reply.code(err.status).header('www-authenticate', err.challenge(options.realm)).header('cache-control', 'no-store').send(err.body())
      }
    }
  })
}

// What fastify-plugin does, without the dependency: share the decorators with the registering scope.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@sentryagent/client/fastify',
  [Symbol.for('plugin-meta')]: { name: '@sentryagent/client/fastify', fastify: '5.x' },
})

/** The Fastify plugin (default export). */
export const agentIdpAuth = plugin
export default plugin
export { AccessTokenError } from './access-token-error.js'
export type { VerifiedAccessToken } from './verify-access-token.js'
