/**
 * `@sentryagent/fastify` — the Fastify binding of `@sentryagent/core`: every REST and OAuth
 * endpoint, route schemas and OpenAPI, the bearer hook, the one error handler, and metrics.
 *
 * @module
 */
import './augment.js'
import { sentryAgentIdp } from './plugin.js'

export default sentryAgentIdp
export { sentryAgentIdp } from './plugin.js'
export { PLUGIN_DEFAULTS, resolvePluginOptions } from './options.js'
export type { ResolvedSentryAgentIdpOptions, SentryAgentIdpOptions } from './options.js'
export { idpErrorHandler, idpNotFoundHandler, sendError } from './error-handler.js'
export { fromFastifyError } from './from-fastify-error.js'
export { authenticateRequest, bearerToken } from './bearer-hook.js'
export type { RequestAuthenticator } from './bearer-hook.js'
export { requireContext, toOAuthRequest } from './request-context.js'
export { noStore } from './no-store.js'
export { createValidatorCompiler } from './validator-compiler.js'
export { createBeforeRequestHook } from './before-request-hook.js'
export { documentSecurity } from './route-security.js'
// Schema helpers for plugins' routes (the same shapes core's routes use).
export { formParams, idParams, noContent, oauthErrorResponses, openObject, problemResponses, TokenResponseSchema } from './route-schemas.js'
export { ItemsOf, PageOf, ProblemSchema } from './schema-helpers.js'
export { REQUEST_ID_PATTERN, idpFrameworkErrorHandler, idpServerOptions, requestIdFromHeader } from './server-options.js'
export { createIdpMetrics } from './metrics.js'
export type { IdpMetrics, PoolStatsSource } from './metrics.js'
export { RATE_LIMIT_DEFAULTS, createRateLimiters, registerRateLimits } from './rate-limit.js'
export { claimedClientId, limitKey } from './limit-keys.js'
export { DOCS_CSP } from './security-headers.js'
export type { SecurityHeadersOptions } from './security-headers.js'
export type { CorsOptions } from './cors.js'
export type { LimitSpec, RateLimiters, RateLimitOptions } from './rate-limit.js'
