/**
 * What analytics counts: the metrics, and which audit action feeds which metric. API calls are not
 * audit events; they are counted by the plugin's `beforeRequest` hook.
 *
 * @module
 */
import type { AuditAction } from '@sentryagent/core'

/** Every metric, in a stable order. */
export const METRICS = ['tokens_issued', 'token_exchanges', 'failed_auth', 'api_calls', 'delegations', 'credential_changes'] as const

/** One metric. */
export type Metric = (typeof METRICS)[number]

/** The audit actions counted, and their metric. Every event of these actions counts once. */
export const ACTION_METRICS = {
  'token.issued': 'tokens_issued',
  'token.exchanged': 'token_exchanges',
  'auth.failed': 'failed_auth',
  'delegation.created': 'delegations',
  'credential.generated': 'credential_changes',
  'credential.rotated': 'credential_changes',
  'credential.revoked': 'credential_changes',
} as const satisfies Partial<Record<AuditAction, Metric>>

/** The counted actions. */
export type CountedAction = keyof typeof ACTION_METRICS

/** The counted actions, as the outbox consumer's filter. */
export const COUNTED_ACTIONS = Object.keys(ACTION_METRICS) as CountedAction[]

/** Metrics that make an agent "active" (a failed authentication does not). */
export const ACTIVITY_METRICS: readonly Metric[] = ['tokens_issued', 'token_exchanges', 'api_calls', 'delegations', 'credential_changes']

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

/** The start of the UTC hour of `at`. */
export const hourOf = (at: Date): Date => new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS)

/** The start of the UTC day of `at`. */
export const dayOf = (at: Date): Date => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS)

/** One aggregate row: `count` events of `metric` by `agentId` (`''` for none) in the hour starting at `hour`. */
export interface HourlyCount {
  organizationId: string
  agentId: string
  hour: Date
  metric: Metric
  count: number
}

/** Adds `count` to the row of `(organizationId, agentId, hour(at), metric)` in `into`. */
export function tally(into: Map<string, HourlyCount>, organizationId: string, agentId: string, at: Date, metric: Metric, count = 1): void {
  const hour = hourOf(at)
  const key = `${organizationId}\u0000${hour.getTime()}\u0000${agentId}\u0000${metric}`
  const row = into.get(key)
  if (row === undefined) into.set(key, { organizationId, agentId, hour, metric, count })
  else row.count += count
}

/**
 * The rows of `into` in key order: concurrent writers (two processes, the consumer and the API-call
 * counter) lock the same rows in the same order, so they never deadlock.
 */
export function sortedRows(into: Map<string, HourlyCount>): HourlyCount[] {
  return [...into.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row)
}
