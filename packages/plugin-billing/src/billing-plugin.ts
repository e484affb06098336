/**
 * `createBillingPlugin(options)`: the core half (plans enforced through policy hooks, usage metered
 * from the audit outbox and the live counters), its tables, and its routes.
 *
 * - `beforeAgentCreate`: the plan's agent cap, 403 `AGENT_LIMIT_REACHED` (a count: no `Retry-After`).
 *   Downgrades never touch existing agents; only new ones are refused.
 * - `beforeRequest`: the daily API-call limit of every authenticated REST call (the plugin's own
 *   `/tiers*` and `/billing*` routes excepted, so that an organization over its limit can still see
 *   its status and upgrade) → 429 `TIER_LIMIT_EXCEEDED` with `Retry-After` until UTC midnight.
 * - `beforeTokenIssue`: the daily token limit, likewise; the note `{ tier }` is kept in the event.
 *
 * @module
 */
import { IdpError, type AuditConsumer, type ExtensionApi, type IdpExtension, type Logger, type Organization, type PlanTier } from '@sentryagent/core'
import { BILLING_AUDIT_ACTIONS } from './audit.js'
import { createDailyCounters, type CounterKind, type DailyCounters } from './counters.js'
import { BILLING_ERRORS } from './errors.js'
import type { BillingMetrics } from './metrics.js'
import type { BillingOptions } from './options.js'
import { PLANS } from './plans.js'
import { billingRepository, billingStorage } from './storage.js'
import { createStripeService, type StripeService } from './stripe-service.js'
import { previousDay, secondsUntilUtcMidnight, utcDay } from './window.js'

/** Routes of the plugin itself, never refused by the daily API-call limit. */
const OWN_ROUTE = /\/(?:tiers|billing)(?:\/|$)/

/** How long a plan read from storage is trusted in process (another process may have changed it). */
const PLAN_CACHE_MS = 5_000

/** The running plugin, shared by its hooks and routes. */
export interface BillingRuntime {
  readonly api: ExtensionApi
  readonly clock: () => Date
  readonly enforcement: boolean
  readonly counters: DailyCounters
  readonly stripe: StripeService | undefined
  readonly usageConsumer: AuditConsumer
  /** Flushes today's and yesterday's live API-call counters of every organization to the usage rows. */
  flushCounters(): Promise<number>
  /** The organization's current plan (cached for a few seconds). */
  planOf(organizationId: string): Promise<PlanTier>
}

export function createBillingCore(options: BillingOptions, metrics: BillingMetrics, log?: Logger) {
  let runtime: BillingRuntime | undefined
  const ready = (): BillingRuntime => {
    if (runtime === undefined) throw new IdpError('INTERNAL', 'billing plugin not initialised')
    return runtime
  }
  const enforcement = options.enforcement ?? true
  const plans = new Map<string, { tier: PlanTier; until: number }>()

  const refuse = (kind: CounterKind, tier: PlanTier, limit: number, now: Date): never => {
    const seconds = secondsUntilUtcMidnight(now)
    const what = kind === 'calls' ? 'API calls' : 'access tokens'
    throw new IdpError('TIER_LIMIT_EXCEEDED', `The ${tier} plan allows ${limit} ${what} per day; the limit resets at UTC midnight`, {
      retryAfterSeconds: seconds,
      headers: { 'ratelimit-limit': String(limit), 'ratelimit-remaining': '0', 'ratelimit-reset': String(seconds) },
    })
  }

  const consume = async (kind: CounterKind, organizationId: string): Promise<PlanTier> => {
    const r = ready()
    const tier = await r.planOf(organizationId)
    const plan = PLANS[tier]
    const limit = kind === 'calls' ? plan.apiCallsPerDay : plan.tokensPerDay
    const now = r.clock()
    const result = await r.counters.consume(kind, organizationId, r.enforcement ? limit : null, now)
    if (!result.allowed && limit !== null) {
      metrics.rejected(kind, tier)
      refuse(kind, tier, limit, now)
    }
    metrics.counted(kind, tier)
    return tier
  }

  const extension: IdpExtension = {
    id: 'billing',
    scopes: ['billing:read', 'billing:write'],
    auditActions: BILLING_AUDIT_ACTIONS,
    errorCodes: BILLING_ERRORS,
    storage: billingStorage,
    hooks: {
      async beforeAgentCreate({ tx, organization }) {
        if (!enforcement) return
        const cap = PLANS[organization.planTier].maxAgents
        if (cap !== null && (await tx.agents.countLive(organization.organizationId)) >= cap) {
          metrics.rejected('agents', organization.planTier)
          throw new IdpError('AGENT_LIMIT_REACHED', `The ${organization.planTier} plan allows ${cap} agents; decommission one or upgrade the plan`)
        }
      },
      async beforeRequest({ ctx, route }) {
        if (OWN_ROUTE.test(route)) return
        await consume('calls', ctx.auth.organizationId)
      },
      async beforeTokenIssue({ issue }) {
        const tier = await consume('tokens', issue.subject.organizationId)
        return { note: { tier } }
      },
    },
    init(api) {
      const clock = options.clock ?? api.clock
      const counters = createDailyCounters(api.ephemeral, options.failMode ?? 'insurance', log ?? api.log)
      api.on('org.updated', (event) => {
        plans.delete(event.organizationId)
      })
      const usageConsumer = api.audit.consume(
        'billing.usage',
        async (events, tx) => {
          const days = new Map<string, { tokensIssued: number; agentsCreated: number; credentialsIssued: number }>()
          for (const e of events) {
            const day = utcDay(e.timestamp)
            const d = days.get(day) ?? { tokensIssued: 0, agentsCreated: 0, credentialsIssued: 0 }
            if (e.action === 'token.issued' || e.action === 'token.exchanged') d.tokensIssued++
            else if (e.action === 'agent.created') d.agentsCreated++
            else d.credentialsIssued++
            days.set(day, d)
          }
          const organizationId = events[0]?.organizationId
          if (organizationId === undefined) return
          for (const [day, delta] of days) await billingRepository(tx).addUsage(organizationId, day, delta)
        },
        { actions: ['token.issued', 'token.exchanged', 'agent.created', 'credential.generated'] },
      )
      const planOf = async (organizationId: string): Promise<PlanTier> => {
        const cached = plans.get(organizationId)
        const nowMs = Date.now()
        if (cached !== undefined && cached.until > nowMs) return cached.tier
        const org: Organization | null = await api.storage.organizations.find(organizationId)
        const tier = org?.planTier ?? 'free'
        plans.set(organizationId, { tier, until: nowMs + PLAN_CACHE_MS })
        return tier
      }
      const flushCounters = async (): Promise<number> => {
        const today = utcDay(clock())
        const days = [previousDay(today), today]
        let flushed = 0
        let cursor: string | undefined
        do {
          const page = await api.storage.organizations.list({ limit: 100, ...(cursor === undefined ? {} : { cursor }) })
          for (const org of page.items) {
            for (const day of days) {
              const value = await counters.read('calls', org.organizationId, day)
              if (value === null || value === 0) continue
              await billingRepository(api.storage).raiseApiCalls(org.organizationId, day, value)
              flushed++
            }
          }
          cursor = page.nextCursor ?? undefined
        } while (cursor !== undefined)
        return flushed
      }
      const stripe = options.stripe === undefined ? undefined : createStripeService(options.stripe, () => api, clock)
      runtime = { api, clock, enforcement, counters, stripe, usageConsumer, flushCounters, planOf }
      api.jobs.every('billing.flush-counters', options.flushIntervalMs ?? 60_000, async () => {
        await flushCounters()
      })
      if (stripe !== undefined && options.stripe?.meterEventName !== undefined) {
        api.jobs.every('billing.report-meter', 3_600_000, async (signal) => {
          await stripe.reportMeter(signal)
        })
      }
    },
  }
  return { extension, runtime: ready }
}
