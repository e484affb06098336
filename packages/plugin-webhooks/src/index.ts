/**
 * `@sentryagent/plugin-webhooks`: signed, at-least-once webhooks of identity events (SPEC §11).
 *
 * @example
 * const webhooks = createWebhooksPlugin({ allowPrivateUrls: false }, log)
 * const storage = await createPostgresStorage({ connectionString, extensions: [webhooks.storage] })
 * const idp = createIdp({ issuer, storage, secrets, extensions: [webhooks.extension] })
 * await app.register(sentryAgentIdp, { idp })
 * await app.register(webhooks.fastify)
 *
 * @module
 */
import { silentLogger, type IdpExtension, type Logger } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { createWebhooksExtension, type WebhooksRuntime } from './extension.js'
import { createWebhookMetrics } from './metrics.js'
import { webhookRoutes } from './routes.js'
import { webhooksStorage } from './storage.js'
import type { WebhooksOptions } from './service.js'

export { WEBHOOK_ERRORS, webhookError } from './errors.js'
export { WEBHOOK_SCOPES, type WebhooksRuntime } from './extension.js'
export { CORE_EVENTS, OWN_EVENTS, WEBHOOK_EVENTS, type Delivery, type DeliveryStatus, type Subscription, type WebhookEvent } from './model.js'
export { DEFAULT_RETRY_SCHEDULE_MS, payloadOf, type DeliveryView, type SubscriptionView, type WebhooksOptions, WebhooksService } from './service.js'
export { generateSecret, signatureHeaders, SECRET_PREFIX } from './signing.js'
export { webhooksStorage, type WebhookRepository } from './storage.js'

export interface WebhooksPlugin {
  readonly extension: IdpExtension
  readonly storage: typeof webhooksStorage
  readonly fastify: FastifyPluginAsync
  /** Test and operations handles: the service, dispatching and delivering now. */
  readonly runtime: WebhooksRuntime
}

/** The webhooks plugin: its core half, its tables and its Fastify half. */
export function createWebhooksPlugin(options: WebhooksOptions = {}, log: Logger = silentLogger): WebhooksPlugin {
  const metrics = createWebhookMetrics()
  const { extension, runtime } = createWebhooksExtension(options, metrics, log)
  const fastify = fp(
    async (app) => {
      const registry = app.idpBinding.metricsRegistry
      if (registry !== undefined) metrics.register(registry, () => runtime.service().queueDepth())
      app.addHook('onClose', async () => runtime.service().http.close())
      await app.register(webhookRoutes(runtime.service), { prefix: app.idpBinding.prefix })
    },
    { name: '@sentryagent/plugin-webhooks', fastify: '5.x', dependencies: ['@sentryagent/fastify'] },
  )
  return { extension, storage: webhooksStorage, fastify, runtime }
}
