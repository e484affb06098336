/**
 * Kysely row type of `audit_consumers`: where each outbox consumer stands in each organization's log.
 *
 * @module
 */
import type { Int8 } from './audit-event.table.js'

export interface AuditConsumerTable {
  consumer_id: string
  organization_id: string
  /** `seq` of the last event processed. */
  position: Int8
  updated_at: Date
}
