/**
 * The routes of the billing plugin, under the binding's prefix. They inherit the binding's policies
 * (validation, bearer authentication, `config.scopes`, rate limits, problem+json). The Stripe
 * webhook lives in an encapsulated scope of its own whose JSON parser keeps the raw body, which the
 * signature covers byte for byte.
 *
 * @module
 */
import { IdpError, type PlanTier, type RequestContext } from '@sentryagent/core'
import { problemResponses } from '@sentryagent/fastify'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { BillingRuntime } from './billing-plugin.js'
import { billingError } from './errors.js'
import { billingRepository } from './storage.js'
import { PLANS, TIERS } from './plans.js'
import { daysBetween, isUtcDay, secondsUntilUtcMidnight, utcDay } from './window.js'

const tags = ['Billing']
const nullableInt = { anyOf: [{ type: 'integer' }, { type: 'null' }] } as const
const Limits = {
  type: 'object',
  properties: { maxAgents: nullableInt, apiCallsPerDay: nullableInt, tokensPerDay: nullableInt },
  required: ['maxAgents', 'apiCallsPerDay', 'tokensPerDay'],
  additionalProperties: false,
  description: '`null` = unlimited.',
} as const
const TierEnum = { type: 'string', enum: [...TIERS] } as const
const TierBody = {
  type: 'object',
  properties: { targetTier: { type: 'string', enum: ['pro', 'enterprise'] } },
  required: ['targetTier'],
  additionalProperties: false,
} as const
const UsageRowSchema = {
  type: 'object',
  properties: {
    day: { type: 'string', format: 'date' },
    apiCalls: { type: 'integer' },
    tokensIssued: { type: 'integer' },
    agentsCreated: { type: 'integer' },
    credentialsIssued: { type: 'integer' },
  },
  required: ['day', 'apiCalls', 'tokensIssued', 'agentsCreated', 'credentialsIssued'],
  additionalProperties: false,
} as const
const UsageQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', maxLength: 10, description: 'First UTC day (YYYY-MM-DD, included). Default: 29 days before `to`.' },
    to: { type: 'string', maxLength: 10, description: 'Last UTC day (YYYY-MM-DD, included). Default: today.' },
  },
  additionalProperties: false,
} as const

/** Longest range of `GET /billing/usage`, in days. */
export const MAX_USAGE_DAYS = 366

function context(req: FastifyRequest): RequestContext {
  if (req.ctx === null) throw new IdpError('INVALID_TOKEN')
  return req.ctx
}

/** The authenticated routes: plans, status, usage, checkout and portal. */
export function billingRoutes(runtime: () => BillingRuntime): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/tiers',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'The plans and their limits',
          response: {
            200: {
              type: 'object',
              properties: { items: { type: 'array', items: { type: 'object', properties: { tier: TierEnum, limits: Limits }, required: ['tier', 'limits'], additionalProperties: false } } },
              required: ['items'],
              additionalProperties: false,
            },
            ...problemResponses,
          },
        },
      },
      async () => ({ items: TIERS.map((tier) => ({ tier, limits: PLANS[tier] })) }),
    )

    app.get(
      '/tiers/status',
      {
        config: { scopes: ['billing:read'] },
        schema: {
          tags,
          summary: 'The caller organization’s plan, limits and usage today',
          response: {
            200: {
              type: 'object',
              properties: {
                tier: TierEnum,
                limits: Limits,
                usage: {
                  type: 'object',
                  properties: { agents: { type: 'integer' }, apiCallsToday: { type: 'integer' }, tokensToday: { type: 'integer' } },
                  required: ['agents', 'apiCallsToday', 'tokensToday'],
                  additionalProperties: false,
                },
                day: { type: 'string', format: 'date' },
                resetsAt: { type: 'string', format: 'date-time' },
                enforcement: { type: 'boolean' },
              },
              required: ['tier', 'limits', 'usage', 'day', 'resetsAt', 'enforcement'],
              additionalProperties: false,
            },
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const r = runtime()
        const organizationId = context(req).auth.organizationId
        const org = await r.api.storage.organizations.find(organizationId)
        if (org === null) throw new IdpError('NOT_FOUND', 'Organization not found')
        const now = r.clock()
        const day = utcDay(now)
        const [agents, calls, tokens, rows] = await Promise.all([
          r.api.storage.agents.countLive(organizationId),
          r.counters.read('calls', organizationId, day),
          r.counters.read('tokens', organizationId, day),
          billingRepository(r.api.storage).usage(organizationId, day, day),
        ])
        // The live counters are exact; the durable row is the fallback when the cache is unreachable.
        const row = rows[0]
        return {
          tier: org.planTier,
          limits: PLANS[org.planTier],
          usage: { agents, apiCallsToday: Math.max(calls ?? 0, row?.apiCalls ?? 0), tokensToday: Math.max(tokens ?? 0, row?.tokensIssued ?? 0) },
          day,
          resetsAt: new Date(now.getTime() + secondsUntilUtcMidnight(now) * 1000).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
          enforcement: r.enforcement,
        }
      },
    )

    app.get(
      '/billing/usage',
      {
        config: { scopes: ['billing:read'] },
        schema: {
          tags,
          summary: 'Daily usage of the caller organization',
          description: `Durable daily rows (UTC days with usage; others are absent), at most ${MAX_USAGE_DAYS} days. Today's API calls include the live counter.`,
          querystring: UsageQuery,
          response: {
            200: { type: 'object', properties: { items: { type: 'array', items: UsageRowSchema } }, required: ['items'], additionalProperties: false },
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const r = runtime()
        const organizationId = context(req).auth.organizationId
        const today = utcDay(r.clock())
        const query = req.query as { from?: string; to?: string }
        const to = query.to ?? today
        const from = query.from ?? utcDay(new Date(Date.parse(`${to}T00:00:00.000Z`) - 29 * 86_400_000))
        const errors = [
          ...(isUtcDay(from) ? [] : [{ field: '/from', message: 'must be a UTC day YYYY-MM-DD' }]),
          ...(isUtcDay(to) ? [] : [{ field: '/to', message: 'must be a UTC day YYYY-MM-DD' }]),
        ]
        if (errors.length === 0 && daysBetween(from, to) === 0) errors.push({ field: '/to', message: 'must not be before from' })
        if (errors.length === 0 && daysBetween(from, to) > MAX_USAGE_DAYS) errors.push({ field: '/from', message: `the range spans at most ${MAX_USAGE_DAYS} days` })
        if (errors.length > 0) throw new IdpError('VALIDATION_ERROR', 'Invalid usage range', { errors })
        const rows = await billingRepository(r.api.storage).usage(organizationId, from, to)
        const live = from <= today && today <= to ? await r.counters.read('calls', organizationId, today) : null
        const items = rows.map(({ organizationId: _o, ...row }) => (row.day === today && live !== null ? { ...row, apiCalls: Math.max(row.apiCalls, live) } : row))
        if (live !== null && live > 0 && !items.some((row) => row.day === today)) {
          items.push({ day: today, apiCalls: live, tokensIssued: 0, agentsCreated: 0, credentialsIssued: 0 })
        }
        return { items }
      },
    )

    const checkout = async (req: FastifyRequest<{ Body: { targetTier: PlanTier } }>) => {
      const stripe = runtime().stripe
      if (stripe === undefined) throw billingError('BILLING_NOT_CONFIGURED', 'STRIPE_SECRET_KEY is not set')
      return stripe.checkout(context(req), req.body.targetTier)
    }
    const checkoutSchema = (summary: string) => {
      const schema = {
      tags,
      summary,
      body: TierBody,
      response: {
        200: { type: 'object', properties: { checkoutUrl: { type: 'string', format: 'uri' } }, required: ['checkoutUrl'], additionalProperties: false },
        ...problemResponses,
      },
      }
      return schema
    }
    app.post<{ Body: { targetTier: PlanTier } }>('/tiers/upgrade', { config: { scopes: ['billing:write'] }, schema: checkoutSchema('Upgrade the plan (Stripe Checkout)') }, checkout)
    app.post<{ Body: { targetTier: PlanTier } }>('/billing/checkout', { config: { scopes: ['billing:write'] }, schema: checkoutSchema('Start a Stripe Checkout Session for a plan') }, checkout)

    app.post(
      '/billing/portal',
      {
        config: { scopes: ['billing:write'] },
        schema: {
          tags,
          summary: 'Open the Stripe Customer Portal (manage or cancel the subscription)',
          response: {
            200: { type: 'object', properties: { portalUrl: { type: 'string', format: 'uri' } }, required: ['portalUrl'], additionalProperties: false },
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const stripe = runtime().stripe
        if (stripe === undefined) throw billingError('BILLING_NOT_CONFIGURED', 'STRIPE_SECRET_KEY is not set')
        return stripe.portal(context(req))
      },
    )
  }
}

/** `POST /billing/webhook`: public (the Stripe signature authenticates), raw body. */
export function webhookRoute(runtime: () => BillingRuntime, onEvent: (type: string, outcome: string) => void): FastifyPluginAsync {
  return async (app) => {
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
    app.post(
      '/billing/webhook',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'Stripe webhook endpoint (Stripe-Signature required)',
          description: 'Answers 2xx only after the event’s effects committed; the same event twice changes nothing more.',
          response: {
            200: {
              type: 'object',
              properties: { received: { type: 'boolean' }, outcome: { type: 'string', enum: ['processed', 'duplicate', 'ignored'] } },
              required: ['received', 'outcome'],
              additionalProperties: false,
            },
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const stripe = runtime().stripe
        if (stripe === undefined) throw billingError('BILLING_NOT_CONFIGURED', 'STRIPE_SECRET_KEY is not set')
        if (!Buffer.isBuffer(req.body)) throw billingError('BILLING_WEBHOOK_SIGNATURE_INVALID', 'Expected the JSON event body')
        const header = req.headers['stripe-signature']
        try {
          const { type, outcome } = await stripe.webhook(req.body, typeof header === 'string' ? header : undefined)
          onEvent(type, outcome)
          return { received: true, outcome }
        } catch (err) {
          onEvent('unknown', err instanceof IdpError ? err.code.toLowerCase() : 'error')
          throw err
        }
      },
    )
  }
}
