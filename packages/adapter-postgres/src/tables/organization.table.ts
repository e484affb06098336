/**
 * Kysely row type of `organizations`. Deleted organizations keep their row (and so their slug)
 * with `deleted_at` set.
 *
 * @module
 */
import type { OrganizationStatus, PlanTier } from '@sentryagent/core'

export interface OrganizationTable {
  organization_id: string
  name: string
  /** Unique across all organizations, deleted ones included. */
  slug: string
  plan_tier: PlanTier
  max_agents: number | null
  status: OrganizationStatus
  created_at: Date
  updated_at: Date
  deleted_at: Date | null
}
