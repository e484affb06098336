/**
 * The core half of the webhooks plugin: scopes `webhooks:read|write`, the `webhooks.*` audit
 * actions, error codes, tables, the outbox consumer turning audit events into deliveries and the
 * delivery job.
 *
 * @module
 */
import { IdpError, silentLogger, type AuditConsumer, type IdpExtension, type Logger } from '@sentryagent/core'
import { WEBHOOK_ERRORS } from './errors.js'
import type { WebhookMetrics } from './metrics.js'
import { webhooksStorage } from './storage.js'
import { AUDIT_ACTIONS, WebhooksService, type WebhooksOptions } from './service.js'

export const WEBHOOK_SCOPES = ['webhooks:read', 'webhooks:write'] as const

export interface WebhooksRuntime {
  /** The service, once the IdP ran `init`. @throws {IdpError} INTERNAL before */
  service(): WebhooksService
  /** Turns every pending audit event into deliveries now (tests; the consumer polls on its own). */
  dispatch(): Promise<number>
  /** Runs the delivery worker once now (tests with an injected clock; the job runs it on its own). */
  deliverDue(): Promise<number>
}

export function createWebhooksExtension(
  options: WebhooksOptions,
  metrics: WebhookMetrics,
  log: Logger = silentLogger,
): { extension: IdpExtension; runtime: WebhooksRuntime } {
  let service: WebhooksService | undefined
  let consumer: AuditConsumer | undefined
  const ready = (): WebhooksService => {
    if (service === undefined) throw new IdpError('INTERNAL', 'webhooks plugin not initialised')
    return service
  }
  const extension: IdpExtension = {
    id: 'webhooks',
    scopes: WEBHOOK_SCOPES,
    auditActions: AUDIT_ACTIONS,
    errorCodes: WEBHOOK_ERRORS,
    storage: webhooksStorage,
    init(api) {
      const svc = new WebhooksService(api, options, metrics, log)
      service = svc
      if (options.allowPrivateUrls === true) {
        log.warn(
          { event: 'config_warning' },
          'WEBHOOKS_ALLOW_PRIVATE_URLS=true: webhooks may target http:// and private, loopback and link-local addresses (development and tests only)',
        )
      }
      consumer = api.audit.consume('webhooks.dispatch', async (events, tx) => {
        await svc.enqueue(events, tx)
      }, { actions: WebhooksService.consumedActions })
      // A short job lease: the row claims (`locked_until`, SKIP LOCKED) already keep two processes
      // from sending the same delivery, so a process killed mid-run must not stall delivery for the
      // runner's default lease (5 min): another process resumes within one claim lease.
      api.jobs.every(
        'webhooks.deliver',
        options.deliveryIntervalMs ?? 1000,
        async (signal) => {
          await svc.deliverDue(signal)
        },
        { leaseMs: (options.timeoutMs ?? 10_000) + 20_000 },
      )
    },
  }
  return {
    extension,
    runtime: {
      service: ready,
      dispatch: async () => (consumer === undefined ? 0 : consumer.drain()),
      deliverDue: () => ready().deliverDue(),
    },
  }
}
