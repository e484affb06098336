/**
 * OpenAPI `security` of a route, derived from the policy the bearer hook enforces: public routes
 * document none; every other route documents `bearerAuth` with the scopes of `config.scopes`.
 *
 * @module
 */
import type { RouteOptions } from 'fastify'

/**
 * Adds `security` to a route's schema unless the route is public or documents its own.
 *
 * @example
 * fastify.addHook('onRoute', documentSecurity)
 */
export function documentSecurity(route: RouteOptions): void {
  if (route.config?.public === true || route.schema === undefined) return
  const scopes = route.config?.scopes ?? []
  route.schema = { security: [{ bearerAuth: [...scopes] }], ...route.schema }
}
