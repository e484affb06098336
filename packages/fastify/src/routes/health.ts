/**
 * Health endpoints, SPEC §10: a liveness probe and a per-dependency report. The detailed report
 * answers 200 when every dependency is healthy, 207 when one is degraded (slower than 1 s) and 503
 * when one is unreachable.
 *
 * @module
 */
import type { DependencyStatus, HealthReport } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'

const tags = ['Operations']
const config = { public: true }
const status = { type: 'string', enum: ['healthy', 'degraded', 'unreachable'] } as const
const dependency = {
  type: 'object',
  properties: { status, latencyMs: { type: 'number' } },
  required: ['status', 'latencyMs'],
  additionalProperties: false,
} as const
const DetailedSchema = {
  type: 'object',
  properties: {
    status,
    dependencies: { type: 'object', additionalProperties: dependency },
  },
  required: ['status', 'dependencies'],
  additionalProperties: false,
} as const

/** The HTTP status of a health report: the worst dependency wins. */
export function healthStatusCode(report: HealthReport): 200 | 207 | 503 {
  const states: DependencyStatus[] = [report.status, ...Object.values(report.dependencies).map((d) => d.status)]
  if (states.includes('unreachable')) return 503
  if (states.includes('degraded')) return 207
  return 200
}

/**
 * Registers `GET /health` and `GET /health/detailed`.
 *
 * @example
 * await scope.register(healthRoutes)
 */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/health',
    {
      config,
      schema: {
        tags,
        summary: 'Liveness',
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string', enum: ['ok'] } },
            required: ['status'],
            additionalProperties: false,
          },
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/health/detailed',
    {
      config,
      schema: {
        tags,
        summary: 'Per-dependency health: 200 healthy, 207 degraded, 503 unreachable',
        response: { 200: DetailedSchema, 207: DetailedSchema, 503: DetailedSchema },
      },
    },
    async (_req, reply) => {
      const report = await app.idp.health()
      void reply.header('cache-control', 'no-store')
      return reply.code(healthStatusCode(report)).send(report)
    },
  )
}
