/**
 * Every query on `audit_consumers`: outbox cursors. A claim locks the cursor row for the
 * transaction with `FOR UPDATE SKIP LOCKED`, so a second process skips an organization the first
 * is processing instead of waiting for it or handling the same batch.
 *
 * @module
 */
import { IdpError, type AuditConsumerRepository } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import { int8 } from '../internal/sql-values.js'

/** The consumer-cursor repository over `db` (the pool or a transaction). */
export function createAuditConsumerRepository(db: Kysely<Database>): AuditConsumerRepository {
  return {
    pending: (consumerId, limit) =>
      guard(async () => {
        // Deleted organizations are kept (deleted_at), so their last events are consumed too.
        const rows = await db
          .selectFrom('organizations as o')
          .leftJoin('audit_consumers as c', (join) =>
            join.onRef('c.organization_id', '=', 'o.organization_id').on('c.consumer_id', '=', consumerId),
          )
          .select(['o.organization_id as organizationId', sql<string | number>`coalesce(c.position, 0)`.as('position')])
          .where(({ exists, selectFrom }) =>
            exists(
              selectFrom('audit_events as e')
                .select(sql`1`.as('one'))
                .whereRef('e.organization_id', '=', 'o.organization_id')
                .where('e.seq', '>', sql<number>`coalesce(c.position, 0)`),
            ),
          )
          .orderBy('o.organization_id')
          .limit(limit)
          .execute()
        return rows.map((r) => ({ organizationId: r.organizationId, position: int8(r.position) }))
      }),

    claim: (consumerId, organizationId) =>
      guard(async () => {
        if (!db.isTransaction) throw new IdpError('INTERNAL', 'auditConsumers.claim() must run inside transaction()')
        const lock = () =>
          db
            .selectFrom('audit_consumers')
            .select('position')
            .where('consumer_id', '=', consumerId)
            .where('organization_id', '=', organizationId)
            .forUpdate()
            .skipLocked()
            .executeTakeFirst()
        // The cursor row exists after the first pass: one statement then. Missing or locked by
        // another process: create it if missing, and try once more.
        const row =
          (await lock()) ??
          (await db
            .insertInto('audit_consumers')
            .values({ consumer_id: consumerId, organization_id: organizationId, position: 0, updated_at: new Date(0) })
            .onConflict((oc) => oc.columns(['consumer_id', 'organization_id']).doNothing())
            .execute()
            .then(lock))
        return row === undefined ? null : int8(row.position)
      }),

    advance: (consumerId, organizationId, position, now) =>
      guard(async () => {
        await db
          .updateTable('audit_consumers')
          .set({ position, updated_at: now })
          .where('consumer_id', '=', consumerId)
          .where('organization_id', '=', organizationId)
          .execute()
      }),

    positions: (consumerId) =>
      guard(async () => {
        const rows = await db
          .selectFrom('audit_consumers')
          .select(['organization_id', 'position'])
          .where('consumer_id', '=', consumerId)
          .orderBy('organization_id')
          .execute()
        return rows.map((r) => ({ organizationId: r.organization_id, position: int8(r.position) }))
      }),
  }
}
