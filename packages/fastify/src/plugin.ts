/**
 * The `@sentryagent/fastify` plugin: binds an `Idp` to HTTP. It decorates `fastify.idp`, sends
 * security headers and answers CORS preflights of allowed origins, enforces rate limits, protects
 * every non-public route with the bearer hook, renders every error through one handler, echoes
 * `X-Request-Id`, records metrics, and registers the REST routes under `prefix` and the protocol
 * endpoints at the root, in an encapsulated scope with its own validation policy.
 *
 * @module
 */
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import './augment.js'
import { createBearerHook, type RequestAuthenticator } from './bearer-hook.js'
import { createBeforeRequestHook } from './before-request-hook.js'
import { documentSecurity } from './route-security.js'
import { registerCors } from './cors.js'
import { idpErrorHandler, idpNotFoundHandler } from './error-handler.js'
import { createIdpMetrics } from './metrics.js'
import { registerOpenApi, openApiRoutes } from './openapi.js'
import { resolvePluginOptions, type SentryAgentIdpOptions } from './options.js'
import { createRateLimiters, registerRateLimits } from './rate-limit.js'
import { registerSecurityHeaders } from './security-headers.js'
import { adminKeyRoutes } from './routes/admin-keys.js'
import { agentInfoRoute } from './routes/agent-info.js'
import { agentCardRoutes } from './routes/agent-cards.js'
import { agentKeyRoutes } from './routes/agent-keys.js'
import { complianceRoutes } from './routes/compliance.js'
import { didRoutes } from './routes/dids.js'
import { marketplaceRoutes } from './routes/marketplace.js'
import { agentRoutes } from './routes/agents.js'
import { auditRoutes } from './routes/audit.js'
import { credentialRoutes } from './routes/credentials.js'
import { delegationRoutes } from './routes/delegation.js'
import { healthRoutes } from './routes/health.js'
import { memberRoutes } from './routes/members.js'
import { metricsRoute } from './routes/metrics.js'
import { oauthRoutes } from './routes/oauth.js'
import { organizationRoutes } from './routes/organizations.js'
import { wellKnownRoutes } from './routes/well-known.js'
import { createValidatorCompiler } from './validator-compiler.js'

const plugin: FastifyPluginAsync<SentryAgentIdpOptions> = async (app, raw) => {
  const opts = resolvePluginOptions(raw) // fails at boot, never per request
  const { idp } = opts

  // These apply to the parent instance (fastify-plugin), so plugins that depend on this one get
  // `request.ctx`, the same error rendering and X-Request-Id without registering anything.
  app.decorate('idp', idp)
  const metrics = opts.metrics ? createIdpMetrics(idp, { poolStats: opts.poolStats }) : undefined
  const authenticators: RequestAuthenticator[] = []
  app.decorate(
    'idpBinding',
    Object.freeze({
      prefix: opts.prefix,
      bodyLimitBytes: opts.bodyLimitBytes,
      metricsRegistry: metrics?.registry,
      addRequestAuthenticator: (authenticator: RequestAuthenticator) => void authenticators.push(authenticator),
    }),
  )
  app.decorateRequest('ctx', null)
  app.decorateRequest('auth', null)
  await idp.ready()

  // The binding's policies are set on the host instance, so that routes added later by plugins
  // that depend on this one (`dependencies: ['@sentryagent/fastify']`) inherit every one of them:
  // the validator policy (unknown fields → 400, never silently dropped), the body limit, JSON-only
  // bodies, bearer authentication and route scopes, rate limits, `beforeRequest` hooks, the error
  // handler and the OpenAPI `security` documentation.
  app.setValidatorCompiler(createValidatorCompiler())
  app.removeContentTypeParser(['text/plain'])
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= opts.bodyLimitBytes
    documentSecurity(route)
  })
  app.addHook('onSend', (req, reply, payload, done) => {
    void reply.header('x-request-id', req.id)
    done(null, payload)
  })
  app.setErrorHandler(idpErrorHandler)
  app.setNotFoundHandler(idpNotFoundHandler)
  // First: headers on every response, 429s and 401s included; preflights answered before any check.
  if (opts.securityHeaders !== false) await registerSecurityHeaders(app, opts.securityHeaders)
  await registerCors(app, opts.cors)

  if (metrics !== undefined) {
    app.addHook('onResponse', async (req, reply) => metrics.observe(req, reply))
    app.addHook('onClose', async () => metrics.close())
  }
  // Before the bearer hook: an address that keeps presenting bad tokens is refused before any
  // signature check (the per-client REST limit itself runs after authentication).
  if (opts.rateLimit !== false) registerRateLimits(app, createRateLimiters(opts.rateLimit), (policy) => metrics?.rateLimited(policy))
  app.addHook('onRequest', createBearerHook(idp, authenticators))
  // Extensions' policies: after authentication and the per-client REST limit, before the body is read.
  app.addHook('preParsing', createBeforeRequestHook(idp))
  if (opts.openapi) await registerOpenApi(app)

  await app.register(async (scope) => {
    await scope.register(wellKnownRoutes)
    await scope.register(healthRoutes)
    if (metrics !== undefined) await scope.register(metricsRoute, { registry: metrics.registry })
    if (opts.openapi) await scope.register(openApiRoutes, { docs: opts.docs })
    await scope.register(oauthRoutes, { restPrefix: opts.prefix, bodyLimitBytes: opts.oauthBodyLimitBytes })
    await scope.register(agentInfoRoute)
    await scope.register(didRoutes, { restPrefix: opts.prefix })
    await scope.register(delegationRoutes, { restPrefix: opts.prefix })
    await scope.register(
      async (rest) => {
        await rest.register(organizationRoutes)
        await rest.register(memberRoutes)
        await rest.register(agentRoutes)
        await rest.register(credentialRoutes)
        await rest.register(agentKeyRoutes)
        await rest.register(agentCardRoutes)
        await rest.register(marketplaceRoutes)
        await rest.register(complianceRoutes)
        await rest.register(auditRoutes, { onVerified: (verified) => metrics?.auditVerified(verified) })
        await rest.register(adminKeyRoutes)
      },
      { prefix: opts.prefix },
    )
  })
}

/**
 * The Fastify plugin serving a SentryAgent identity provider.
 *
 * @example
 * import Fastify from 'fastify'
 * import { createIdp } from '@sentryagent/core'
 * import { sentryAgentIdp } from '@sentryagent/fastify'
 *
 * const app = Fastify({ requestIdHeader: 'x-request-id' })
 * await app.register(sentryAgentIdp, { idp: createIdp({ issuer: 'https://idp.example.com' }) })
 * await app.listen({ port: 3000 })
 */
export const sentryAgentIdp = fp(plugin, { name: '@sentryagent/fastify', fastify: '5.x' })
