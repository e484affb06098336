/**
 * Kysely row type of `audit_events`: one hash-chained link per row, unique (organization_id, seq).
 *
 * @module
 */
import type { AuditOutcome } from '@sentryagent/core'
import type { ColumnType } from 'kysely'

/** `bigint` column: `pg` reads it as a string, PGlite as a number; written as a number. */
export type Int8 = ColumnType<string | number | bigint, number, number>

export interface AuditEventTable {
  event_id: string
  organization_id: string
  seq: Int8
  occurred_at: Date
  action: string
  outcome: AuditOutcome
  actor: string
  agent_id: string | null
  ip: string | null
  /** `jsonb`, written through `jsonb()` so that both drivers send the same text. */
  details: Record<string, unknown>
  prev_hash: string
  hash: string
}
