/**
 * Kysely row type of `audit_checkpoints`: signed seals of an organization's audit log.
 *
 * @module
 */
import type { Int8 } from './audit-event.table.js'

export interface AuditCheckpointTable {
  checkpoint_id: string
  organization_id: string
  size: Int8
  head_hash: string
  issued_at: Date
  /** Compact JWS over the canonical checkpoint fields. */
  signature: string
}
