/**
 * `GET /metrics`, SPEC §10: Prometheus text exposition of the plugin's own registry.
 *
 * @module
 */
import type { FastifyPluginAsync } from 'fastify'
import type { Registry } from 'prom-client'

/** Options of {@link metricsRoute}. */
export interface MetricsRouteOptions {
  registry: Registry
}

/**
 * Registers `GET /metrics`.
 *
 * @example
 * await scope.register(metricsRoute, { registry: metrics.registry })
 */
export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, opts) => {
  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['Operations'],
        summary: 'Prometheus metrics (agentidp_*)',
        produces: ['text/plain'],
        response: { 200: { description: 'Prometheus text exposition format', type: 'string' } },
      },
    },
    async (_req, reply) => {
      const body = await opts.registry.metrics()
      return reply.type(opts.registry.contentType).header('cache-control', 'no-store').send(body)
    },
  )
}
