/**
 * The plugin's Prometheus metrics, registered on the binding's registry (`app.idpBinding.metricsRegistry`)
 * when the Fastify half is registered with metrics on; a no-op until then.
 *
 * @module
 */
import type { PlanTier } from '@sentryagent/core'
import { Counter, type Registry } from 'prom-client'
import { HANDLED_EVENTS } from './stripe-service.js'

export interface BillingMetrics {
  /** A call, token or agent refused by the plan (`agentidp_billing_limit_rejections_total`). */
  rejected(limit: 'agents' | 'calls' | 'tokens', tier: PlanTier): void
  /** A call or token admitted (`agentidp_billing_api_calls_total`, `agentidp_billing_tokens_total`). */
  counted(kind: 'calls' | 'tokens', tier: PlanTier): void
  /** A webhook delivery (`agentidp_billing_webhook_events_total`). */
  webhook(type: string, outcome: string): void
}

/** Metrics that can be attached to a registry later. */
export interface BillingMetricsSink extends BillingMetrics {
  attach(registry: Registry): void
}

export function createBillingMetrics(): BillingMetricsSink {
  let live: BillingMetrics | undefined
  return {
    rejected: (limit, tier) => live?.rejected(limit, tier),
    counted: (kind, tier) => live?.counted(kind, tier),
    webhook: (type, outcome) => live?.webhook(type, outcome),
    attach(registry) {
      const rejections = new Counter({
        name: 'agentidp_billing_limit_rejections_total',
        help: 'Requests refused by the plan, by limit (agents, calls, tokens) and plan.',
        labelNames: ['limit', 'tier'] as const,
        registers: [registry],
      })
      const calls = new Counter({ name: 'agentidp_billing_api_calls_total', help: 'Authenticated API calls admitted, by plan.', labelNames: ['tier'] as const, registers: [registry] })
      const tokens = new Counter({ name: 'agentidp_billing_tokens_total', help: 'Access tokens admitted by the plan, by plan.', labelNames: ['tier'] as const, registers: [registry] })
      const webhooks = new Counter({
        name: 'agentidp_billing_webhook_events_total',
        help: 'Stripe webhook deliveries, by event type and outcome.',
        labelNames: ['type', 'outcome'] as const,
        registers: [registry],
      })
      const known = new Set<string>(HANDLED_EVENTS)
      live = {
        rejected: (limit, tier) => rejections.inc({ limit, tier }),
        counted: (kind, tier) => (kind === 'calls' ? calls : tokens).inc({ tier }),
        // Event types are bounded to the handled ones: a forged body cannot grow the label set.
        webhook: (type, outcome) => webhooks.inc({ type: known.has(type) ? type : 'other', outcome }),
      }
    },
  }
}
