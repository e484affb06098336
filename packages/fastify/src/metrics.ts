/**
 * Prometheus metrics of the binding, on a registry owned by one plugin instance (never the global
 * one, so that several servers in one process do not collide). Names are prefixed `agentidp_`.
 * HTTP metrics come from an `onResponse` hook; token and authentication metrics from core events.
 *
 * @module
 */
import type { AuditAction, Idp } from '@sentryagent/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Reads database pool counters (adapter-postgres `storage.poolStats`). */
export type PoolStatsSource = () => { total: number; idle: number; waiting: number; max: number }

/** The metrics of one plugin instance. */
export interface IdpMetrics {
  readonly registry: Registry
  /** Records one HTTP exchange; call from `onResponse`. */
  observe(req: FastifyRequest, reply: FastifyReply): void
  /** Counts one request refused by the rate limiter of `policy`. */
  rateLimited(policy: string): void
  /** Counts one audit-chain verification (`GET /audit/verify`) by its result. */
  auditVerified(verified: boolean): void
  /** Unsubscribes from core events. */
  close(): void
}

const detailString = (event: { details: object }, ...keys: string[]): string => {
  const details = event.details as Record<string, unknown>
  for (const key of keys) {
    const value = details[key]
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
export function createIdpMetrics(
  idp: Idp,
  options: { defaultMetrics?: boolean; poolStats?: PoolStatsSource | undefined } = {},
): IdpMetrics {
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
  const rateLimitHits = new Counter({
    name: 'agentidp_rate_limit_hits_total',
    help: 'Requests refused with 429 by a rate limit, by policy.',
    labelNames: ['policy'] as const,
    registers: [registry],
  })
  const auditAppends = new Counter({
    name: 'agentidp_audit_appends_total',
    help: 'Audit events committed, by action and outcome.',
    labelNames: ['action', 'outcome'] as const,
    registers: [registry],
  })
  const keyRotations = new Counter({
    name: 'agentidp_key_rotations_total',
    help: 'Signing key rotations, by trigger (api, scheduled).',
    labelNames: ['trigger'] as const,
    registers: [registry],
  })
  const auditVerifications = new Counter({
    name: 'agentidp_audit_verifications_total',
    help: 'Audit-chain verifications answered, by result (verified, broken): any broken one needs the audit-chain runbook.',
    labelNames: ['result'] as const,
    registers: [registry],
  })
  // Read on each scrape, like GET /health/detailed: an alert sees an unreachable dependency even
  // when no request reaches the server.
  // Registered (and so collected) first: its collect() also sets the latency gauge below.
  const dependencyLatency = new Gauge({
    name: 'agentidp_dependency_latency_seconds',
    help: 'Latency of the last health check of a dependency, in seconds.',
    labelNames: ['dependency'] as const,
    registers: [],
  })
  new Gauge({
    name: 'agentidp_dependency_up',
    help: 'Whether a dependency (database, cache, key store) answers: 1 healthy or degraded, 0 unreachable.',
    labelNames: ['dependency'] as const,
    registers: [registry],
    async collect() {
      const report = await idp.health()
      for (const [dependency, d] of Object.entries(report.dependencies)) {
        this.set({ dependency }, d.status === 'unreachable' ? 0 : 1)
        dependencyLatency.set({ dependency }, d.latencyMs / 1000)
      }
    },
  })
  registry.registerMetric(dependencyLatency)
  const { poolStats } = options
  if (poolStats !== undefined) {
    const gauge = (name: string, help: string, read: (s: ReturnType<PoolStatsSource>) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read(poolStats()))
        },
      })
    gauge('agentidp_db_pool_connections', 'Open database connections (idle + in use).', (s) => s.total)
    gauge('agentidp_db_pool_idle_connections', 'Idle database connections.', (s) => s.idle)
    gauge('agentidp_db_pool_waiting_requests', 'Callers waiting for a database connection.', (s) => s.waiting)
    gauge('agentidp_db_pool_max_connections', 'Maximum size of the database pool.', (s) => s.max)
  }
  // Live compliance (the latest stored check run, shared by every process): per organization.
  new Gauge({
    name: 'agentidp_audit_chain_integrity',
    help: 'Whether the organization’s audit chain verified at the latest compliance check (1) or not (0).',
    labelNames: ['organization'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const org of (await idp.compliance.latestRun())?.organizations ?? []) this.set({ organization: org.organizationId }, org.auditChainVerified ? 1 : 0)
    },
  })
  new Gauge({
    name: 'agentidp_credentials_expiring_soon',
    help: 'Active credentials expiring within 7 days, per organization, at the latest compliance check.',
    labelNames: ['organization'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const org of (await idp.compliance.latestRun())?.organizations ?? []) this.set({ organization: org.organizationId }, org.credentialsExpiringSoon)
    },
  })
  const unsubscribe = [
    // Every audited action, including those plugins and later versions add to AUDIT_ACTIONS.
    ...idp.registry.auditActions.map((action) => idp.on(action as AuditAction, (event) => auditAppends.inc({ action, outcome: event.outcome }))),
    idp.on('signing_key.rotated', (event) => {
      keyRotations.inc({ trigger: detailString(event, 'trigger') })
    }),
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
    rateLimited(policy) {
      rateLimitHits.inc({ policy })
    },
    auditVerified(verified) {
      auditVerifications.inc({ result: verified ? 'verified' : 'broken' })
    },
    close() {
      for (const off of unsubscribe) off()
    },
  }
}
