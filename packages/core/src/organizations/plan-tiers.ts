import type { PlanTier } from '../model.js'

/** Agents allowed per plan tier (SPEC §11); `null` = unlimited. */
export const MAX_AGENTS: Readonly<Record<PlanTier, number | null>> = { free: 10, pro: 100, enterprise: null }
