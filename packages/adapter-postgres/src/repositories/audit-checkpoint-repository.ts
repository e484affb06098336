/**
 * Every query on `audit_checkpoints`. Rows are only inserted, never updated.
 *
 * @module
 */
import type { AuditCheckpoint, AuditCheckpointRepository } from '@sentryagent/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import { int8 } from '../internal/sql-values.js'
import type { AuditCheckpointTable } from '../tables/audit-checkpoint.table.js'

function toCheckpoint(row: Selectable<AuditCheckpointTable>): AuditCheckpoint {
  return {
    checkpointId: row.checkpoint_id,
    organizationId: row.organization_id,
    size: int8(row.size),
    headHash: row.head_hash,
    issuedAt: row.issued_at,
    signature: row.signature,
  }
}

/** The checkpoint repository over `db` (the pool or a transaction). */
export function createAuditCheckpointRepository(db: Kysely<Database>): AuditCheckpointRepository {
  const ofOrg = (organizationId: string) =>
    db.selectFrom('audit_checkpoints').selectAll().where('organization_id', '=', organizationId)
  const one = async (q: ReturnType<typeof ofOrg>) => {
    const row = await q.limit(1).executeTakeFirst()
    return row === undefined ? null : toCheckpoint(row)
  }
  return {
    insert: (cp) =>
      guard(async () => {
        await db
          .insertInto('audit_checkpoints')
          .values({
            checkpoint_id: cp.checkpointId,
            organization_id: cp.organizationId,
            size: cp.size,
            head_hash: cp.headHash,
            issued_at: cp.issuedAt,
            signature: cp.signature,
          })
          .execute()
      }),
    latest: (organizationId) => guard(() => one(ofOrg(organizationId).orderBy('size', 'desc').orderBy('issued_at', 'desc'))),
    findCovering: (organizationId, seq) =>
      guard(() => one(ofOrg(organizationId).where('size', '>=', seq).orderBy('size').orderBy('issued_at'))),
    findBySize: (organizationId, size) =>
      guard(() => one(ofOrg(organizationId).where('size', '=', size).orderBy('issued_at', 'desc'))),
  }
}
