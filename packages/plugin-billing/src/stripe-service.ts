/**
 * The Stripe half of billing: one customer per organization (created once, with an idempotency
 * key), Checkout Sessions for upgrades, Customer Portal sessions, the webhook (signature verified
 * on the raw body, idempotent by event id, robust to out-of-order delivery by re-reading the
 * subscription from Stripe) and Billing Meter reports of daily token counts.
 *
 * Plan changes go through `idp.organizations.setPlan` with the plugin's system context, and are
 * audited as `billing.plan_changed` in the transaction that records the event as processed.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { IdpError, type ExtensionApi, type PlanTier, type RequestContext } from '@sentryagent/core'
import './audit.js'
import { billingError } from './errors.js'
import { billingRepository } from './storage.js'
import type { StripeOptions } from './options.js'
import { Stripe, createStripeClient } from './stripe-client.js'
import { utcDay } from './window.js'

/** Subscription statuses that keep the paid plan (`past_due`: Stripe is still retrying the payment). */
const LIVE_STATUSES = new Set(['active', 'trialing', 'past_due'])

/** The events the webhook acts on; others are acknowledged and ignored. */
export const HANDLED_EVENTS = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
] as const

/** What the webhook did with an event. */
export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored'

export interface StripeService {
  checkout(ctx: RequestContext, targetTier: PlanTier): Promise<{ checkoutUrl: string }>
  portal(ctx: RequestContext): Promise<{ portalUrl: string }>
  /** @throws {IdpError} BILLING_WEBHOOK_SIGNATURE_INVALID (400); BILLING_PROVIDER_UNAVAILABLE (502) when Stripe cannot be read back */
  webhook(rawBody: Buffer, signature: string | undefined): Promise<{ type: string; outcome: WebhookOutcome }>
  /** Reports finished days' token counts to the Billing Meter (when configured). */
  reportMeter(signal: AbortSignal): Promise<number>
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : value.id

function providerError(err: unknown): IdpError<string> {
  if (err instanceof IdpError) return err
  return billingError('BILLING_PROVIDER_UNAVAILABLE', 'The payment provider did not answer as expected', { cause: err })
}

/** Builds the service; `api` is the extension api (from `init`). */
export function createStripeService(options: StripeOptions, api: () => ExtensionApi, clock: () => Date): StripeService {
  const stripe = createStripeClient(options)
  const tolerance = options.webhookToleranceSeconds ?? 300
  const priceOf = (tier: PlanTier): string | undefined => (tier === 'pro' ? options.prices.pro : tier === 'enterprise' ? options.prices.enterprise : undefined)
  const tierOfPrice = (price: string | undefined): PlanTier | undefined =>
    price === undefined ? undefined : price === options.prices.enterprise ? 'enterprise' : price === options.prices.pro ? 'pro' : undefined

  async function ensureCustomer(organizationId: string): Promise<string> {
    const a = api()
    const existing = await billingRepository(a.storage).customer(organizationId)
    if (existing !== null) return existing.stripeCustomerId
    const org = await a.storage.organizations.find(organizationId)
    if (org === null) throw new IdpError('NOT_FOUND', 'Organization not found')
    let created: Stripe.Customer
    try {
      // One customer per organization, even when two requests race or a retry follows a timeout.
      created = await stripe.customers.create(
        { name: org.name, metadata: { organizationId } },
        { idempotencyKey: `agentidp-customer-${organizationId}` },
      )
    } catch (err) {
      throw providerError(err)
    }
    return a.transaction(async (tx) => {
      const stored = await billingRepository(tx).insertCustomer({
        organizationId,
        stripeCustomerId: created.id,
        subscriptionId: null,
        subscriptionStatus: null,
        updatedAt: clock(),
      })
      if (stored.stripeCustomerId === created.id) {
        await a.audit.record(tx, {
          organizationId,
          action: 'billing.customer_created',
          actor: `system:${a.id}`,
          details: { stripeCustomerId: created.id },
        })
      }
      return stored.stripeCustomerId
    })
  }

  /** The plan a subscription grants now, read back from Stripe (`free` when gone or not live). */
  async function subscriptionState(subscriptionId: string): Promise<{ tier: PlanTier; status: string; customer: string | null }> {
    try {
      const sub = await stripe.subscriptions.retrieve(subscriptionId)
      const price = sub.items.data[0]?.price.id
      const tier = LIVE_STATUSES.has(sub.status) ? (tierOfPrice(price) ?? 'free') : 'free'
      return { tier, status: sub.status, customer: idOf(sub.customer) }
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing') return { tier: 'free', status: 'deleted', customer: null }
      throw providerError(err)
    }
  }

  /** The organization and subscription an event is about. */
  async function subjectOf(event: Stripe.Event): Promise<{ organizationId: string | null; subscriptionId: string | null }> {
    const billing = billingRepository(api().storage)
    const byCustomer = async (customer: string | null) => (customer === null ? null : ((await billing.customerByStripeId(customer))?.organizationId ?? null))
    switch (event.type) {
      case 'checkout.session.completed': {
        const s = event.data.object
        const fromCustomer = await byCustomer(idOf(s.customer))
        // The session names the organization (client_reference_id); it must agree with the customer we created for it.
        const named = s.client_reference_id
        const organizationId = fromCustomer ?? named
        if (named !== null && fromCustomer !== null && named !== fromCustomer) return { organizationId: null, subscriptionId: null }
        return { organizationId, subscriptionId: idOf(s.subscription) }
      }
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted': {
        const sub = event.data.object
        return { organizationId: await byCustomer(idOf(sub.customer)), subscriptionId: sub.id }
      }
      case 'invoice.paid':
      case 'invoice.payment_failed': {
        const invoice = event.data.object
        const parent = invoice.parent?.subscription_details?.subscription
        return { organizationId: await byCustomer(idOf(invoice.customer)), subscriptionId: idOf(parent) }
      }
      default:
        return { organizationId: null, subscriptionId: null }
    }
  }

  return {
    async checkout(ctx, targetTier) {
      const organizationId = ctx.auth.organizationId
      const price = priceOf(targetTier)
      if (price === undefined) throw billingError('BILLING_PLAN_UNAVAILABLE', `The ${targetTier} plan cannot be bought here`)
      const a = api()
      const org = await a.storage.organizations.find(organizationId)
      if (org === null) throw new IdpError('NOT_FOUND', 'Organization not found')
      if (org.planTier === targetTier) throw billingError('BILLING_PLAN_UNAVAILABLE', `The organization is already on the ${targetTier} plan`)
      const existing = await billingRepository(a.storage).customer(organizationId)
      if (existing?.subscriptionId != null && existing.subscriptionStatus !== null && LIVE_STATUSES.has(existing.subscriptionStatus)) {
        throw billingError('BILLING_PLAN_UNAVAILABLE', 'The organization has a subscription: change it in the customer portal (POST /billing/portal)')
      }
      const customer = await ensureCustomer(organizationId)
      const metadata = { organizationId, targetTier }
      try {
        const session = await stripe.checkout.sessions.create(
          {
            mode: 'subscription',
            customer,
            client_reference_id: organizationId,
            line_items: [{ price, quantity: 1 }],
            metadata,
            subscription_data: { metadata },
            success_url: options.successUrl,
            cancel_url: options.cancelUrl,
          },
          { idempotencyKey: `agentidp-checkout-${randomUUID()}` },
        )
        if (session.url === null) throw new Error('Checkout Session without url')
        return { checkoutUrl: session.url }
      } catch (err) {
        throw providerError(err)
      }
    },

    async portal(ctx) {
      // Only an organization that has been to Checkout has a Stripe customer to manage; one whose
      // plan was set by an operator (the platform organization, say) gets a clear refusal, and no
      // Stripe customer is created for it.
      const existing = await billingRepository(api().storage).customer(ctx.auth.organizationId)
      if (existing === null) {
        throw billingError('BILLING_PLAN_UNAVAILABLE', 'The organization has no Stripe subscription to manage: its plan was not bought through Stripe Checkout')
      }
      const customer = existing.stripeCustomerId
      try {
        const session = await stripe.billingPortal.sessions.create(
          { customer, return_url: options.portalReturnUrl },
          { idempotencyKey: `agentidp-portal-${randomUUID()}` },
        )
        return { portalUrl: session.url }
      } catch (err) {
        throw providerError(err)
      }
    },

    async webhook(rawBody, signature) {
      if (options.webhookSecret === undefined) throw billingError('BILLING_NOT_CONFIGURED', 'STRIPE_WEBHOOK_SECRET is not set')
      if (signature === undefined || signature === '') throw billingError('BILLING_WEBHOOK_SIGNATURE_INVALID', 'Missing Stripe-Signature header')
      let event: Stripe.Event
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, options.webhookSecret, tolerance, undefined, clock().getTime())
      } catch {
        throw billingError('BILLING_WEBHOOK_SIGNATURE_INVALID', 'The Stripe signature does not verify (secret, payload or timestamp)')
      }
      const a = api()
      const billing = billingRepository(a.storage)
      if (await billing.eventSeen(event.id)) return { type: event.type, outcome: 'duplicate' }
      const { organizationId, subscriptionId } = (HANDLED_EVENTS as readonly string[]).includes(event.type)
        ? await subjectOf(event)
        : { organizationId: null, subscriptionId: null }
      const org = organizationId === null ? null : await a.storage.organizations.find(organizationId)
      if (org === null) {
        const fresh = await a.transaction((tx) => billingRepository(tx).recordEvent(event.id, event.type, null, clock()))
        return { type: event.type, outcome: fresh ? 'ignored' : 'duplicate' }
      }
      // Out-of-order delivery: the event says something happened; Stripe's current state says what holds now.
      const state = subscriptionId === null ? null : await subscriptionState(subscriptionId)
      const stored = await billing.customer(org.organizationId)
      // An event about an older subscription must not undo the current one.
      const stale = state !== null && stored?.subscriptionId != null && stored.subscriptionId !== subscriptionId && state.tier === 'free'
      const target = state === null || stale ? undefined : state.tier
      const reason = `stripe event ${event.id} (${event.type})`
      if (target !== undefined && target !== org.planTier) {
        await a.idp.organizations.setPlan(await a.systemContext(org.organizationId, reason), org.organizationId, target)
      }
      const fresh = await a.transaction(async (tx) => {
        const repo = billingRepository(tx)
        if (!(await repo.recordEvent(event.id, event.type, org.organizationId, clock()))) return false
        if (state !== null && !stale && subscriptionId !== null) {
          if (stored === null && state.customer !== null) {
            await repo.insertCustomer({ organizationId: org.organizationId, stripeCustomerId: state.customer, subscriptionId, subscriptionStatus: state.status, updatedAt: clock() })
          }
          await repo.updateSubscription(org.organizationId, { subscriptionId, subscriptionStatus: state.status, updatedAt: clock() })
        }
        const base = { eventId: event.id, eventType: event.type, subscriptionId, subscriptionStatus: state?.status ?? null }
        if (target !== undefined && target !== org.planTier) {
          await a.audit.record(tx, { organizationId: org.organizationId, action: 'billing.plan_changed', actor: `system:${a.id}`, details: { ...base, from: org.planTier, to: target } })
        } else if (event.type === 'invoice.payment_failed') {
          await a.audit.record(tx, { organizationId: org.organizationId, action: 'billing.payment_failed', actor: `system:${a.id}`, details: { ...base, planTier: org.planTier } })
        } else {
          await a.audit.record(tx, { organizationId: org.organizationId, action: 'billing.event_processed', actor: `system:${a.id}`, details: { ...base, planTier: org.planTier } })
        }
        return true
      })
      return { type: event.type, outcome: fresh ? 'processed' : 'duplicate' }
    },

    async reportMeter(signal) {
      const eventName = options.meterEventName
      if (eventName === undefined) return 0
      const a = api()
      const today = utcDay(clock())
      let reported = 0
      for (const row of await billingRepository(a.storage).unreportedUsage(today, 100)) {
        if (signal.aborted) break
        const customer = await billingRepository(a.storage).customer(row.organizationId)
        if (customer === null) {
          // Nothing to bill (never bought a plan): mark it so that it is not read again.
          await billingRepository(a.storage).markReported(row.organizationId, row.day, clock())
          continue
        }
        // The identifier makes the report idempotent across retries and processes.
        await stripe.billing.meterEvents.create({
          event_name: eventName,
          identifier: `agentidp-${row.organizationId}-${row.day}`,
          timestamp: Math.floor(Date.parse(`${row.day}T23:59:59.000Z`) / 1000),
          payload: { stripe_customer_id: customer.stripeCustomerId, value: String(row.tokensIssued) },
        })
        await billingRepository(a.storage).markReported(row.organizationId, row.day, clock())
        reported++
      }
      return reported
    },
  }
}
