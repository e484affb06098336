/**
 * Type augmentation of Fastify for `@sentryagent/fastify`: the `idp` decorator, the request-scoped
 * authentication context set by the bearer hook, and the per-route policy flags read by the hook and
 * the error handler.
 *
 * @module
 */
import type { AuthContext, Idp, RequestContext } from '@sentryagent/core'
import type { Registry } from 'prom-client'
import type { RequestAuthenticator } from './bearer-hook.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The identity provider this binding serves (`createIdp()` from `@sentryagent/core`). */
    idp: Idp
    /**
     * What plugins need to know of the binding: the REST prefix to register their routes under, the
     * body limit, the Prometheus registry served at `GET /metrics` (`undefined` when metrics are off)
     * for plugins to add their own `agentidp_*` metrics to, and extra request authenticators.
     */
    idpBinding: {
      readonly prefix: string
      readonly bodyLimitBytes: number
      readonly metricsRegistry: Registry | undefined
      /**
       * Adds a way to authenticate requests that carry no `Authorization` header (a plugin's
       * session cookie), tried in order before the bearer check answers 401. Route scopes, rate
       * limits and `beforeRequest` hooks apply to the context it returns as to a token's.
       */
      addRequestAuthenticator(authenticator: RequestAuthenticator): void
    }
  }

  interface FastifyRequest {
    /**
     * Context handed to every core operation, built by the bearer hook from a verified access token.
     * `null` on public routes and before the hook ran.
     */
    ctx: RequestContext | null
    /** The authenticated caller; `null` on public routes. */
    auth: AuthContext | null
  }

  interface FastifyContextConfig {
    /** Errors render as RFC 6749 §5.2 JSON (`{ error, error_description }`) instead of problem+json. */
    oauth?: boolean
    /** The bearer hook skips this route: no access token is required. */
    public?: boolean
    /**
     * Which per-address limit applies (see `rate-limit.ts`): `token` (also the per-client token
     * limit), `introspect`, `revoke`, or `public` (unauthenticated reads).
     */
    rateLimit?: 'token' | 'introspect' | 'revoke' | 'public'
    /**
     * Scopes the caller's token must all hold, checked by the bearer hook before the handler
     * (403 `INSUFFICIENT_SCOPE`) and documented in OpenAPI (`security: [{ bearerAuth: scopes }]`).
     */
    scopes?: readonly string[]
  }
}

export {}
