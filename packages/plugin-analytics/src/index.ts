/**
 * `@sentryagent/plugin-analytics`: what agents did, from the audit log. An outbox consumer keeps
 * exact hourly aggregates per organization, agent and metric; four read endpoints (scope
 * `analytics:read`, own organization only) serve dashboards.
 *
 * @example
 * const analytics = createAnalyticsPlugin()
 * const storage = await createPostgresStorage({ connectionString, extensions: [analytics.storage] })
 * const idp = createIdp({ issuer, storage, extensions: [analytics.extension] })
 * await app.register(sentryAgentIdp, { idp })
 * await app.register(analytics.fastify)
 *
 * @module
 */
import type { Logger } from '@sentryagent/core'
import fp from 'fastify-plugin'
import { createAnalyticsExtension, type AnalyticsOptions } from './extension.js'
import { analyticsRoutes } from './routes.js'
import { createAnalyticsService, type AnalyticsService } from './service.js'
import { analyticsStorage } from './storage.js'

export type { AnalyticsOptions } from './extension.js'
export { CONSUMER_ID } from './extension.js'
export { ACTION_METRICS, METRICS, type Metric } from './metrics.js'
export { analyticsRepository, analyticsStorage, type AgentTotal, type AnalyticsRepository, type HourTotal } from './storage.js'
export { createAnalyticsService, MAX_RANGE_DAYS, type AnalyticsService } from './service.js'
export * as analyticsSchemas from './schemas.js'

/**
 * Builds the plugin: its core half (`extension`), its tables (`storage`, for the storage factory),
 * its routes (`fastify`), and `drain()` to aggregate everything pending now (tests, tooling).
 */
export function createAnalyticsPlugin(options: AnalyticsOptions = {}, _log?: Logger) {
  const core = createAnalyticsExtension(options)
  let service: AnalyticsService | undefined
  const getService = (): AnalyticsService => {
    if (service === undefined) {
      const api = core.api()
      service = createAnalyticsService({ storage: api.storage, clock: api.clock })
    }
    return service
  }
  return {
    extension: core.extension,
    storage: analyticsStorage,
    fastify: fp(async (app) => app.register(analyticsRoutes(getService), { prefix: app.idpBinding.prefix }), {
      name: '@sentryagent/plugin-analytics',
      fastify: '5.x',
      dependencies: ['@sentryagent/fastify'],
    }),
    drain: core.drain,
  }
}
