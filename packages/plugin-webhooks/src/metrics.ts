/**
 * Prometheus metrics of the webhooks plugin, registered in the binding's registry (served at
 * `GET /metrics` with the `agentidp_*` metrics) when the binding exposes one.
 *
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { AttemptResult } from './model.js'

export interface WebhookMetrics {
  /** Records one delivery attempt. */
  observe(result: AttemptResult): void
  /** Adds the metrics to `registry` (once); `queueDepth` is read at each scrape. */
  register(registry: Registry, queueDepth: () => Promise<number>): void
}

export function createWebhookMetrics(): WebhookMetrics {
  const deliveries = new Counter({
    name: 'agentidp_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (succeeded, retry, dead_letter).',
    labelNames: ['outcome'] as const,
    registers: [],
  })
  const latency = new Histogram({
    name: 'agentidp_webhook_delivery_duration_seconds',
    help: 'Duration of webhook delivery attempts in seconds, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  })
  const deadLetters = new Counter({
    name: 'agentidp_webhook_dead_letters_total',
    help: 'Webhook deliveries moved to dead_letter after their last retry.',
    registers: [],
  })
  let depth: () => Promise<number> = async () => 0
  const queue = new Gauge({
    name: 'agentidp_webhook_queue_depth',
    help: 'Webhook deliveries pending (due now or waiting for a retry), across organizations.',
    registers: [],
    async collect() {
      this.set(await depth())
    },
  })
  const registered = new WeakSet<Registry>()
  return {
    observe(result) {
      const outcome = result.status === 'succeeded' ? 'succeeded' : result.status === 'dead_letter' ? 'dead_letter' : 'retry'
      deliveries.inc({ outcome })
      latency.observe({ outcome }, result.durationMs / 1000)
      if (outcome === 'dead_letter') deadLetters.inc()
    },
    register(registry, queueDepth) {
      if (registered.has(registry)) return
      registered.add(registry)
      depth = queueDepth
      for (const metric of [deliveries, latency, deadLetters, queue]) registry.registerMetric(metric)
    },
  }
}
