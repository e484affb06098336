/**
 * The one plan table (SPEC §11), also served by `GET /tiers`. `null` means unlimited.
 *
 * @module
 */
import type { PlanTier } from '@sentryagent/core'

/** What a plan allows. `null` = unlimited. */
export interface PlanLimits {
  /** Live (not decommissioned) agents per organization: a count, refused with 403 `AGENT_LIMIT_REACHED`. */
  readonly maxAgents: number | null
  /** Authenticated REST calls per UTC day: refused with 429 `TIER_LIMIT_EXCEEDED`. */
  readonly apiCallsPerDay: number | null
  /** Access tokens issued per UTC day: refused with 429 `TIER_LIMIT_EXCEEDED`. */
  readonly tokensPerDay: number | null
}

/** The plans, from the smallest to the largest. */
export const PLANS: Readonly<Record<PlanTier, PlanLimits>> = Object.freeze({
  free: Object.freeze({ maxAgents: 10, apiCallsPerDay: 1_000, tokensPerDay: 1_000 }),
  pro: Object.freeze({ maxAgents: 100, apiCallsPerDay: 50_000, tokensPerDay: 50_000 }),
  enterprise: Object.freeze({ maxAgents: null, apiCallsPerDay: null, tokensPerDay: null }),
})

/** The plan tiers in order. */
export const TIERS: readonly PlanTier[] = Object.freeze(['free', 'pro', 'enterprise'])

/** `true` when `tier` is a known plan. */
export function isPlanTier(tier: string): tier is PlanTier {
  return (TIERS as readonly string[]).includes(tier)
}
