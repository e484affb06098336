/**
 * The billing plugin against a local Stripe stand-in (no network): Checkout Sessions and the
 * Customer Portal (what the SDK sends: mode, line items, metadata, one customer per organization
 * with idempotency keys), and the webhook (signature on the raw body, tolerance, idempotency by
 * event id, out-of-order delivery, payment failure and downgrade), as an attacker too.
 */
import { STRIPE_API_VERSION, type BillingPlugin } from '@sentryagent/plugin-billing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { billingEntry, testClock } from './billing-fixtures.js'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'
import { startStripeStandIn, type StripeStandIn } from './stripe-stand-in.js'

describe.each(TARGETS)('billing with Stripe on $name', (target) => {
  const clock = testClock(new Date())
  const plugins: BillingPlugin[] = []
  let stripe: StripeStandIn
  let server: Running
  let http: ReturnType<typeof api>
  let admin: string
  let tenant: Awaited<ReturnType<typeof provisionTenant>>
  let token: string

  const deliver = async (delivery: { payload: string; signature?: string }) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (delivery.signature !== undefined) headers['stripe-signature'] = delivery.signature
    const res = await fetch(`${server.url}/api/v1/billing/webhook`, { method: 'POST', headers, body: delivery.payload })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const now = () => Math.floor(clock().getTime() / 1000)
  const plan = async () => (await http.call('GET', '/api/v1/tiers/status', token)).body?.['tier']
  const auditActions = async () => {
    const res = await http.call('GET', '/api/v1/audit?limit=100', token)
    return (res.body?.['items'] as { action: string }[]).map((e) => e.action)
  }

  beforeAll(async () => {
    stripe = await startStripeStandIn({ apiVersion: STRIPE_API_VERSION })
    server = await startOn(
      target,
      {
        PLUGINS: 'billing',
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
        STRIPE_PRICE_PRO: 'price_pro',
        STRIPE_PRICE_ENTERPRISE: 'price_enterprise',
        STRIPE_API_BASE: stripe.url,
        STRIPE_SUCCESS_URL: 'https://app.example/billing/done',
        STRIPE_CANCEL_URL: 'https://app.example/billing/cancelled',
        STRIPE_METER_EVENT_NAME: 'agentidp_tokens',
      },
      { knownPlugins: billingEntry(clock, plugins) },
    )
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    tenant = await provisionTenant(server.url, admin, `stripe-${target.name}`, ['agents:read', 'billing:read', 'billing:write', 'audit:read'])
    token = await http.token(tenant.clientId, tenant.clientSecret)
  })
  afterAll(async () => {
    await server?.close()
    await stripe?.close()
  })

  it('POST /billing/portal before any checkout is refused (409) and creates no Stripe customer', async () => {
    const before = stripe.requests.length
    const res = await http.call('POST', '/api/v1/billing/portal', token)
    expect(res.status).toBe(409)
    expect(res.body?.['code']).toBe('BILLING_PLAN_UNAVAILABLE')
    expect(stripe.requests.slice(before).map((r) => r.path)).toEqual([])
  })

  it('POST /tiers/upgrade and /billing/checkout create Checkout Sessions for one reused customer', async () => {
    const first = await http.call('POST', '/api/v1/tiers/upgrade', token, { targetTier: 'pro' })
    expect(first.status).toBe(200)
    expect(first.body?.['checkoutUrl']).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/)
    const second = await http.call('POST', '/api/v1/billing/checkout', token, { targetTier: 'enterprise' })
    expect(second.status).toBe(200)

    const customers = stripe.requests.filter((r) => r.path === '/v1/customers')
    expect(customers).toHaveLength(1)
    expect(customers[0]).toMatchObject({
      idempotencyKey: `agentidp-customer-${tenant.organizationId}`,
      stripeVersion: STRIPE_API_VERSION,
      body: { name: `stripe-${target.name}`, metadata: { organizationId: tenant.organizationId } },
    })
    const sessions = stripe.requests.filter((r) => r.path === '/v1/checkout/sessions')
    expect(sessions).toHaveLength(2)
    const customerId = await customerOf()
    expect(sessions[0]?.body).toMatchObject({
      mode: 'subscription',
      customer: customerId,
      client_reference_id: tenant.organizationId,
      line_items: [{ price: 'price_pro', quantity: '1' }],
      metadata: { organizationId: tenant.organizationId, targetTier: 'pro' },
      subscription_data: { metadata: { organizationId: tenant.organizationId, targetTier: 'pro' } },
      success_url: 'https://app.example/billing/done',
      cancel_url: 'https://app.example/billing/cancelled',
    })
    expect(sessions[1]?.body).toMatchObject({ customer: customerId, line_items: [{ price: 'price_enterprise' }] })
    for (const s of sessions) expect(s.idempotencyKey).toMatch(/^agentidp-checkout-/)
    // Nothing to buy: already free → "free" is not a target; lower scope → 403.
    expect((await http.call('POST', '/api/v1/tiers/upgrade', token, { targetTier: 'free' })).status).toBe(400)
    const reader = await provisionTenant(server.url, admin, `stripe-reader-${target.name}`, ['billing:read'])
    const readerToken = await http.token(reader.clientId, reader.clientSecret)
    expect((await http.call('POST', '/api/v1/tiers/upgrade', readerToken, { targetTier: 'pro' })).status).toBe(403)
    expect((await http.call('POST', '/api/v1/billing/portal', readerToken)).status).toBe(403)
  })

  /** The organization's Stripe customer, as the plugin names it to Stripe when it opens a portal session. */
  const customerOf = async (): Promise<string> => {
    const portal = await http.call('POST', '/api/v1/billing/portal', token)
    expect(portal.status).toBe(200)
    expect(portal.body?.['portalUrl']).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//)
    const req = stripe.requests.filter((r) => r.path === '/v1/billing_portal/sessions').at(-1)
    expect(req?.idempotencyKey).toMatch(/^agentidp-portal-/)
    return String(req?.body['customer'])
  }

  it('applies a paid checkout once, even when Stripe delivers the event twice', async () => {
    const customer = await customerOf()
    stripe.setSubscription({ id: 'sub_one', customer, status: 'active', price: 'price_pro' })
    const completed = stripe.event('checkout.session.completed', {
      id: 'cs_test_done',
      object: 'checkout.session',
      mode: 'subscription',
      customer,
      client_reference_id: tenant.organizationId,
      subscription: 'sub_one',
      metadata: { organizationId: tenant.organizationId, targetTier: 'pro' },
    }, { at: now() })
    expect(await deliver(completed)).toEqual({ status: 200, body: { received: true, outcome: 'processed' } })
    expect(await plan()).toBe('pro')
    expect(await deliver(completed)).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } })
    expect((await auditActions()).filter((a) => a === 'billing.plan_changed')).toHaveLength(1)
    // A subscription is live: upgrading again goes through the portal.
    expect((await http.call('POST', '/api/v1/tiers/upgrade', token, { targetTier: 'enterprise' })).body).toMatchObject({ code: 'BILLING_PLAN_UNAVAILABLE' })
  })

  it('rejects forged, unsigned, stale and replayed deliveries with 400 and changes nothing', async () => {
    const customer = await customerOf()
    const object = { id: 'sub_one', object: 'subscription', customer, status: 'canceled' }
    const forged = stripe.event('customer.subscription.deleted', object, { at: now(), secret: 'whsec_attacker' })
    expect((await deliver(forged)).body).toMatchObject({ status: 400, code: 'BILLING_WEBHOOK_SIGNATURE_INVALID' })
    expect((await deliver({ payload: forged.payload })).status).toBe(400)
    const stale = stripe.event('customer.subscription.deleted', object, { at: now() - 301 })
    expect((await deliver(stale)).status).toBe(400)
    // A genuine delivery replayed after the tolerance window.
    const genuine = stripe.event('customer.subscription.updated', { ...object, status: 'active' }, { at: now() })
    const tampered = { payload: genuine.payload.replace('"active"', '"canceled"'), signature: genuine.signature }
    expect((await deliver(tampered)).status).toBe(400)
    clock.set(new Date(clock().getTime() + 301_000))
    expect((await deliver(genuine)).status).toBe(400)
    clock.set(new Date())
    expect(await plan()).toBe('pro')
  })

  it('survives out-of-order delivery: deleted before an older updated keeps the organization on free', async () => {
    const customer = await customerOf()
    const updated = stripe.event('customer.subscription.updated', { id: 'sub_one', object: 'subscription', customer, status: 'active' }, { at: now() })
    stripe.setSubscription({ id: 'sub_one', customer, status: 'canceled', price: 'price_pro' })
    const deleted = stripe.event('customer.subscription.deleted', { id: 'sub_one', object: 'subscription', customer, status: 'canceled' }, { at: now() })
    expect((await deliver(deleted)).body).toMatchObject({ outcome: 'processed' })
    expect(await plan()).toBe('free')
    expect((await deliver(updated)).body).toMatchObject({ outcome: 'processed' })
    expect(await plan()).toBe('free')
  })

  it('keeps the plan while a payment is retried (past_due) and downgrades when the subscription is unpaid', async () => {
    const customer = await customerOf()
    stripe.setSubscription({ id: 'sub_two', customer, status: 'active', price: 'price_enterprise' })
    expect((await deliver(stripe.event('customer.subscription.created', { id: 'sub_two', object: 'subscription', customer, status: 'active' }, { at: now() }))).status).toBe(200)
    expect(await plan()).toBe('enterprise')
    const invoice = (status: string) => ({ id: `in_${status}`, object: 'invoice', customer, status, parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_two' } } })
    stripe.setSubscription({ id: 'sub_two', customer, status: 'past_due', price: 'price_enterprise' })
    expect((await deliver(stripe.event('invoice.payment_failed', invoice('open'), { at: now() }))).status).toBe(200)
    expect(await plan()).toBe('enterprise')
    expect(await auditActions()).toContain('billing.payment_failed')
    stripe.setSubscription({ id: 'sub_two', customer, status: 'unpaid', price: 'price_enterprise' })
    expect((await deliver(stripe.event('invoice.payment_failed', invoice('uncollectible'), { at: now() }))).status).toBe(200)
    expect(await plan()).toBe('free')
    // Paid again: invoice.paid re-reads the subscription and restores the plan.
    stripe.setSubscription({ id: 'sub_two', customer, status: 'active', price: 'price_enterprise' })
    expect((await deliver(stripe.event('invoice.paid', invoice('paid'), { at: now() }))).status).toBe(200)
    expect(await plan()).toBe('enterprise')
  })

  it('ignores events about unknown customers and sessions naming another organization', async () => {
    const other = await provisionTenant(server.url, admin, `stripe-victim-${target.name}`, ['billing:read'])
    const otherToken = await http.token(other.clientId, other.clientSecret)
    const customer = await customerOf()
    stripe.setSubscription({ id: 'sub_evil', customer, status: 'active', price: 'price_enterprise' })
    // Our customer's session claiming the victim's organization: the customer mapping disagrees → ignored.
    const claim = stripe.event('checkout.session.completed', { id: 'cs_evil', object: 'checkout.session', customer, client_reference_id: other.organizationId, subscription: 'sub_evil' }, { at: now() })
    expect((await deliver(claim)).body).toMatchObject({ outcome: 'ignored' })
    const unknown = stripe.event('customer.subscription.updated', { id: 'sub_x', object: 'subscription', customer: 'cus_unknown', status: 'active' }, { at: now() })
    expect((await deliver(unknown)).body).toMatchObject({ outcome: 'ignored' })
    expect((await http.call('GET', '/api/v1/tiers/status', otherToken)).body).toMatchObject({ tier: 'free' })
    // Unhandled event types are acknowledged and ignored.
    expect((await deliver(stripe.event('customer.created', { id: 'cus_new', object: 'customer' }, { at: now() }))).body).toMatchObject({ outcome: 'ignored' })
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/agentidp_billing_webhook_events_total\{type="checkout.session.completed",outcome="duplicate"\} 1\b/)
    expect(metrics).toMatch(/agentidp_billing_webhook_events_total\{type="other",outcome="ignored"\} 1\b/)
    expect(metrics).toMatch(/agentidp_billing_webhook_events_total\{type="other",outcome="billing_webhook_signature_invalid"\} [1-9]/)
  })

  it("reports each finished day's tokens to the Billing Meter once, idempotently", async () => {
    const runtime = plugins[0]!.runtime()
    await runtime.usageConsumer.drain()
    const today = new Date().toISOString().slice(0, 10)
    const usage = await http.call('GET', `/api/v1/billing/usage?from=${today}&to=${today}`, token)
    const tokens = (usage.body?.['items'] as { tokensIssued: number }[])[0]?.tokensIssued ?? 0
    expect(tokens).toBeGreaterThanOrEqual(1)
    const signal = new AbortController().signal
    expect(await runtime.stripe?.reportMeter(signal)).toBe(0) // today is not finished yet
    clock.set(new Date(Date.now() + 86_400_000))
    try {
      expect(await runtime.stripe?.reportMeter(signal)).toBeGreaterThanOrEqual(1)
      expect(await runtime.stripe?.reportMeter(signal)).toBe(0)
    } finally {
      clock.set(new Date())
    }
    const reports = stripe.requests.filter((r) => r.path === '/v1/billing/meter_events' && r.body['identifier'] === `agentidp-${tenant.organizationId}-${today}`)
    expect(reports).toHaveLength(1)
    expect(reports[0]?.body).toMatchObject({ event_name: 'agentidp_tokens', payload: { stripe_customer_id: await customerOf(), value: String(tokens) } })
  })
})
