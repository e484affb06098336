/**
 * `@sentryagent/plugin-billing`: plans (agent cap, daily API calls and tokens), usage metering and
 * Stripe subscriptions for SentryAgent AgentIdP, as a plugin on the core's seams.
 *
 * @example
 * const billing = createBillingPlugin({ stripe: { secretKey, webhookSecret, prices: { pro, enterprise }, successUrl, cancelUrl, portalReturnUrl } })
 * const storage = await createPostgresStorage({ connectionString, extensions: [billing.storage] })
 * const idp = createIdp({ issuer, storage, extensions: [billing.extension] })
 * await app.register(sentryAgentIdp, { idp })
 * await app.register(billing.fastify)
 *
 * @module
 */
import type { IdpExtension, Logger } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { createBillingCore, type BillingRuntime } from './billing-plugin.js'
import type { BillingOptions } from './options.js'
import { createBillingMetrics } from './metrics.js'
import { billingRoutes, webhookRoute } from './routes.js'
import { billingStorage } from './storage.js'

export type { BillingOptions, StripeOptions } from './options.js'
export type { BillingRuntime } from './billing-plugin.js'
export type { BillingCustomer, BillingRepository, UsageDelta, UsageRow } from './storage.js'
export type { FailMode } from './counters.js'
export type { PlanLimits } from './plans.js'
export { PLANS, TIERS } from './plans.js'
export { BILLING_ERRORS } from './errors.js'
export { BILLING_AUDIT_ACTIONS } from './audit.js'
export { billingStorage } from './storage.js'
export { STRIPE_API_VERSION } from './stripe-client.js'
export { HANDLED_EVENTS } from './stripe-service.js'

/** The plugin: core half, tables and Fastify half (the reference server's `ServerPlugin`). */
export interface BillingPlugin {
  readonly extension: IdpExtension
  readonly storage: typeof billingStorage
  readonly fastify: FastifyPluginAsync
  /** The running plugin (after `idp.ready()`): counters, flush, usage consumer. */
  readonly runtime: () => BillingRuntime
}

/** Creates the billing plugin. */
export function createBillingPlugin(options: BillingOptions = {}, log?: Logger): BillingPlugin {
  const metrics = createBillingMetrics()
  const core = createBillingCore(options, metrics, log)
  const routes = billingRoutes(core.runtime)
  const webhook = webhookRoute(core.runtime, metrics.webhook)
  return {
    extension: core.extension,
    storage: billingStorage,
    runtime: core.runtime,
    fastify: fp(
      async (app) => {
        if (app.idpBinding.metricsRegistry !== undefined) metrics.attach(app.idpBinding.metricsRegistry)
        await app.register(routes, { prefix: app.idpBinding.prefix })
        await app.register(webhook, { prefix: app.idpBinding.prefix })
      },
      { name: '@sentryagent/plugin-billing', fastify: '5.x', dependencies: ['@sentryagent/fastify'] },
    ),
  }
}
