/**
 * Prometheus metrics of the binding, on a registry owned by one plugin instance (never the global
 * one, so that several servers in one process do not collide). Names are prefixed `agentidp_`.
 * HTTP metrics come from an `onResponse` hook; token and authentication metrics from core events.
 *
 * @module
 */
import type { AuditEvent, Idp } from '@sentryagent/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The metrics of one plugin instance. */
export interface IdpMetrics {
  readonly registry: Registry
  /** Records one HTTP exchange; call from `onResponse`. */
  observe(req: FastifyRequest, reply: FastifyReply): void
  /** Unsubscribes from core events. */
  close(): void
}

const detailString = (event: AuditEvent, ...keys: string[]): string => {
  for (const key of keys) {
    const value = event.details[key]
    if (typeof value === 'string' && value.length > 0 && value.length <= 100) return value
  }
  return 'unknown'
}

/**
 * Creates the metrics registry and subscribes to `token.issued` and `auth.failed`.
 *
 * @example
 * const metrics = createIdpMetrics(idp)
 * fastify.addHook('onResponse', async (req, reply) => metrics.observe(req, reply))
 */
export function createIdpMetrics(idp: Idp, options: { defaultMetrics?: boolean } = {}): IdpMetrics {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'agentidp_' })
  const requests = new Counter({
    name: 'agentidp_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'agentidp_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const tokens = new Counter({
    name: 'agentidp_tokens_issued_total',
    help: 'Access tokens issued, by grant type and outcome.',
    labelNames: ['grant', 'outcome'] as const,
    registers: [registry],
  })
  const authFailures = new Counter({
    name: 'agentidp_auth_failures_total',
    help: 'Failed client authentications at the OAuth endpoints.',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  const unsubscribe = [
    idp.on('token.issued', (event) => {
      tokens.inc({ grant: detailString(event, 'grantType', 'grant_type'), outcome: event.outcome })
    }),
    idp.on('auth.failed', (event) => {
      authFailures.inc({ reason: detailString(event, 'reason', 'error') })
    }),
  ]
  return {
    registry,
    observe(req, reply) {
      // The route pattern, never the raw URL, keeps label cardinality bounded.
      const route = req.is404 ? 'not_found' : (req.routeOptions.url ?? 'unknown')
      const labels = { route, method: req.method, status: String(reply.statusCode) }
      requests.inc(labels)
      duration.observe(labels, reply.elapsedTime / 1000)
    },
    close() {
      for (const off of unsubscribe) off()
    },
  }
}
