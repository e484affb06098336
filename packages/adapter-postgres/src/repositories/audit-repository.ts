/**
 * Every query on `audit_events`: the per-organization hash chain. Appends are serialised per
 * organization with a transaction-scoped advisory lock, which works across processes and nodes,
 * taken by `sentryagent_audit_append()` (migration 0007) together with the head check and the
 * insert, in one statement; the unique (organization_id, seq) index is the last line of defence.
 *
 * @module
 */
import { IdpError, type AuditEvent, type AuditHead, type AuditRepository } from '@sentryagent/core'
import { sql, type Kysely, type Selectable } from 'kysely'
import type { Database } from '../database.js'
import { callerCode, guard } from '../internal/storage-errors.js'
import { decodeSeqCursor, encodeSeqCursor, int8, toPage } from '../internal/sql-values.js'
import type { AuditEventTable } from '../tables/audit-event.table.js'

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

/** Events linked after `guess`; each `link` must extend the head it is given. */
async function linkAll(
  organizationId: string,
  links: readonly ((head: AuditHead | null) => AuditEvent)[],
  guess: AuditHead | null,
): Promise<AuditEvent[]> {
  let head = guess
  const events: AuditEvent[] = []
  for (const link of links) {
    const event = await callerCode(() => link(head))
    if (event.seq !== (head?.seq ?? 0) + 1 || event.organizationId !== organizationId) {
      throw new IdpError('INTERNAL', 'Audit link does not extend the chain head')
    }
    events.push(event)
    head = { seq: event.seq, hash: event.hash }
  }
  return events
}

function toJsonRow(event: AuditEvent) {
  return {
    event_id: event.eventId,
    seq: event.seq,
    occurred_at: event.timestamp.toISOString(),
    action: event.action,
    outcome: event.outcome,
    actor: event.actor,
    agent_id: event.agentId,
    ip: event.ip,
    details: event.details,
    prev_hash: event.prevHash,
    hash: event.hash,
  }
}

/**
 * One `sentryagent_audit_append()` call: inserts `events` if the chain head is still the one they
 * extend, else returns the true head (and inserts nothing).
 */
async function tryAppend(
  db: Kysely<Database>,
  organizationId: string,
  after: AuditHead | null,
  events: readonly AuditEvent[],
): Promise<{ appended: true } | { appended: false; head: AuditHead | null }> {
  const { rows } = await sql<{ appended: boolean; head_seq: string | number | null; head_hash: string | null }>`
    select * from sentryagent_audit_append(${organizationId}, ${after?.seq ?? 0}, ${after?.hash ?? null},
      cast(${JSON.stringify(events.map(toJsonRow))} as text)::jsonb)`.execute(db)
  const row = rows[0]
  if (row === undefined) throw new IdpError('INTERNAL', 'sentryagent_audit_append returned no row')
  if (row.appended) return { appended: true }
  return { appended: false, head: row.head_seq === null || row.head_hash === null ? null : { seq: int8(row.head_seq), hash: row.head_hash } }
}

/** Attempts at the append outside a transaction before one inside a transaction (which cannot miss). */
const AUTOCOMMIT_ATTEMPTS = 3

/**
 * Appends a run of events after the organization's head: links them to the head this storage last
 * saw (`hints`), and lets `sentryagent_audit_append()` check that head under the lock. Usually one
 * statement; a stale hint (another process appended) costs one more, linked to the head returned.
 * Inside a transaction the lock taken by the first call is held until the transaction ends, so
 * the second call cannot miss. Outside one each call is its own transaction, durable on return;
 * after {@link AUTOCOMMIT_ATTEMPTS} misses (a contended organization) the append takes a
 * transaction.
 */
async function appendManyIn(
  db: Kysely<Database>,
  hints: AuditHeadHints,
  organizationId: string,
  links: readonly ((head: AuditHead | null) => AuditEvent)[],
): Promise<AuditEvent[]> {
  if (links.length === 0) return []
  let head = hints.get(organizationId) ?? null
  const attempts = db.isTransaction ? 2 : AUTOCOMMIT_ATTEMPTS
  for (let attempt = 0; attempt < attempts; attempt++) {
    const events = await linkAll(organizationId, links, head)
    const outcome = await tryAppend(db, organizationId, head, events)
    if (outcome.appended) {
      const last = events[events.length - 1]
      if (last !== undefined) hints.set(organizationId, { seq: last.seq, hash: last.hash })
      return events
    }
    head = outcome.head
    hints.set(organizationId, head)
  }
  if (db.isTransaction) throw new IdpError('INTERNAL', 'Audit chain head moved while its lock was held')
  return db.transaction().execute((trx) => appendManyIn(trx, hints, organizationId, links))
}

/**
 * The chain head each organization had after this storage's last append (or last miss): a guess
 * that saves reading the head, never trusted — `sentryagent_audit_append()` checks it under the
 * lock. Bounded: cleared when it would exceed {@link MAX_HINTS} organizations.
 */
export interface AuditHeadHints {
  get(organizationId: string): AuditHead | null | undefined
  set(organizationId: string, head: AuditHead | null): void
}

/** Organizations whose head a storage remembers. */
const MAX_HINTS = 10_000

/** An empty {@link AuditHeadHints}, one per storage (shared by its transactions). */
export function createAuditHeadHints(): AuditHeadHints {
  const heads = new Map<string, AuditHead | null>()
  return {
    get: (organizationId) => heads.get(organizationId),
    set(organizationId, head) {
      if (heads.size >= MAX_HINTS && !heads.has(organizationId)) heads.clear()
      heads.set(organizationId, head)
    },
  }
}

/** The audit repository over `db` (the pool or a transaction). */
export function createAuditRepository(db: Kysely<Database>, hints: AuditHeadHints): AuditRepository {
  return {
    append: (organizationId, link) =>
      guard(async () => {
        const [event] = await appendManyIn(db, hints, organizationId, [link])
        if (event === undefined) throw new IdpError('INTERNAL', 'Audit append stored no event')
        return event
      }),

    appendMany: (organizationId, links) => guard(() => appendManyIn(db, hints, organizationId, links)),

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
