/**
 * Every query on `audit_events`: the per-organization hash chain. Appends are serialised per
 * organization with a transaction-scoped advisory lock, which works across processes and nodes;
 * the unique (organization_id, seq) index is the last line of defence.
 *
 * @module
 */
import { IdpError, type AuditEvent, type AuditHead, type AuditRepository } from '@sentryagent/core'
import { sql, type Kysely, type Selectable } from 'kysely'
import type { Database } from '../database.js'
import { callerCode, guard } from '../internal/storage-errors.js'
import { decodeSeqCursor, encodeSeqCursor, int8, jsonb, toPage } from '../internal/sql-values.js'
import type { AuditEventTable } from '../tables/audit-event.table.js'

/** Namespaces the advisory-lock key so that it cannot collide with other users of advisory locks. */
const LOCK_NAMESPACE = 'sentryagent.audit:'

/** Sequence numbers deleted per statement by `purge()`. */
const PURGE_SLICE = 10_000

function toAuditEvent(row: Selectable<AuditEventTable>): AuditEvent {
  return {
    eventId: row.event_id,
    seq: int8(row.seq),
    organizationId: row.organization_id,
    timestamp: row.occurred_at,
    action: row.action,
    outcome: row.outcome,
    actor: row.actor,
    agentId: row.agent_id,
    ip: row.ip,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}

async function headOf(db: Kysely<Database>, organizationId: string): Promise<AuditHead | null> {
  const row = await db
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('organization_id', '=', organizationId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row === undefined ? null : { seq: int8(row.seq), hash: row.hash }
}

/** Appends inside the transaction `trx`; the lock is held until that transaction ends. */
async function appendIn(
  trx: Kysely<Database>,
  organizationId: string,
  link: (head: AuditHead | null) => AuditEvent,
): Promise<AuditEvent> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${LOCK_NAMESPACE + organizationId}, 0))`.execute(trx)
  const head = await headOf(trx, organizationId)
  const event = await callerCode(() => link(head))
  if (event.seq !== (head?.seq ?? 0) + 1 || event.organizationId !== organizationId) {
    throw new IdpError('INTERNAL', 'Audit link does not extend the chain head')
  }
  const row = await trx.insertInto('audit_events').values(toRow(organizationId, event)).returningAll().executeTakeFirstOrThrow()
  return toAuditEvent(row)
}

function toRow(organizationId: string, event: AuditEvent) {
  return {
    event_id: event.eventId,
    organization_id: organizationId,
    seq: event.seq,
    occurred_at: event.timestamp,
    action: event.action,
    outcome: event.outcome,
    actor: event.actor,
    agent_id: event.agentId,
    ip: event.ip,
    details: jsonb(event.details),
    prev_hash: event.prevHash,
    hash: event.hash,
  }
}

/** Appends a run of events inside `trx` with one lock, one head read and one multi-row insert. */
async function appendManyIn(
  trx: Kysely<Database>,
  organizationId: string,
  links: readonly ((head: AuditHead | null) => AuditEvent)[],
): Promise<AuditEvent[]> {
  if (links.length === 0) return []
  await sql`select pg_advisory_xact_lock(hashtextextended(${LOCK_NAMESPACE + organizationId}, 0))`.execute(trx)
  let head = await headOf(trx, organizationId)
  const events: AuditEvent[] = []
  for (const link of links) {
    const event = await callerCode(() => link(head))
    if (event.seq !== (head?.seq ?? 0) + 1 || event.organizationId !== organizationId) {
      throw new IdpError('INTERNAL', 'Audit link does not extend the chain head')
    }
    events.push(event)
    head = { seq: event.seq, hash: event.hash }
  }
  const rows = await trx
    .insertInto('audit_events')
    .values(events.map((event) => toRow(organizationId, event)))
    .returningAll()
    .execute()
  return rows.map(toAuditEvent).sort((a, b) => a.seq - b.seq)
}

/** The audit repository over `db` (the pool or a transaction). */
export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    append: (organizationId, link) =>
      guard(() =>
        db.isTransaction
          ? appendIn(db, organizationId, link)
          : // Outside a transaction the append gets its own, so the lock spans read-head → insert.
            db.transaction().execute((trx) => appendIn(trx, organizationId, link)),
      ),

    appendMany: (organizationId, links) =>
      guard(() =>
        db.isTransaction
          ? appendManyIn(db, organizationId, links)
          : db.transaction().execute((trx) => appendManyIn(trx, organizationId, links)),
      ),

    head: (organizationId) => guard(() => headOf(db, organizationId)),

    range: (organizationId, fromSeq, limit) =>
      guard(async () => {
        const rows = await db
          .selectFrom('audit_events')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('seq', '>=', fromSeq)
          .orderBy('seq')
          .limit(limit)
          .execute()
        return rows.map(toAuditEvent)
      }),

    list: (organizationId, filter, page) =>
      guard(async () => {
        let query = db
          .selectFrom('audit_events')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .orderBy('seq', 'desc')
          .limit(page.limit + 1)
        if (filter.action !== undefined) query = query.where('action', '=', filter.action)
        if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId)
        if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome)
        if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from)
        if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to)
        if (page.cursor !== undefined) query = query.where('seq', '<', decodeSeqCursor(page.cursor))
        const rows = await query.execute()
        return toPage(rows, page.limit, toAuditEvent, (e) => encodeSeqCursor(e.seq, e.eventId))
      }),

    findEvent: (organizationId, eventId) =>
      guard(async () => {
        const row = await db
          .selectFrom('audit_events')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('event_id', '=', eventId)
          .executeTakeFirst()
        return row === undefined ? null : toAuditEvent(row)
      }),

    purge: (organizationId, throughSeq) =>
      guard(async () => {
        // Slices of PURGE_SLICE sequence numbers, so that no single statement outlasts the statement
        // timeout however much one retention run removes (the caller's transaction still makes it atomic).
        const oldest = await db
          .selectFrom('audit_events')
          .select((eb) => eb.fn.min('seq').as('seq'))
          .where('organization_id', '=', organizationId)
          .executeTakeFirst()
        let removed = 0
        for (let from = Number(oldest?.seq ?? throughSeq + 1); from <= throughSeq; from += PURGE_SLICE) {
          const result = await db
            .deleteFrom('audit_events')
            .where('organization_id', '=', organizationId)
            .where('seq', '>=', from)
            .where('seq', '<=', Math.min(throughSeq, from + PURGE_SLICE - 1))
            .executeTakeFirst()
          removed += Number(result.numDeletedRows)
        }
        return removed
      }),
  }
}
