/**
 * The webhooks plugin's tables: subscriptions and deliveries, as a storage extension with a memory
 * half and a PostgreSQL half (kysely; pg and PGlite). Every query names the organization, except
 * the worker's `claimDue` / `recordAttempt` / `queueDepth`, which serve every organization.
 *
 * @module
 */
import type { PostgresStorageExtension } from '@sentryagent/adapter-postgres'
import type { MemoryJournal, PageQuery } from '@sentryagent/core'
import { decodeCursor, encodeCursor } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'
import type { AttemptResult, Delivery, DeliveryStatus, Subscription } from './model.js'

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** The repository behind `tx.ext('webhooks')` and `storage.ext('webhooks')`. */
export interface WebhookRepository {
  insertSubscription(subscription: Subscription): Promise<void>
  findSubscription(organizationId: string, subscriptionId: string): Promise<Subscription | null>
  /** Oldest first, `(createdAt, subscriptionId)` cursor. */
  listSubscriptions(organizationId: string, page: PageQuery): Promise<Page<Subscription>>
  countSubscriptions(organizationId: string): Promise<number>
  /** The organization's active subscriptions, oldest first (the consumer filters them by event). */
  activeSubscriptions(organizationId: string): Promise<Subscription[]>
  /** Replaces the mutable fields of the subscription (matched by organization and id). */
  updateSubscription(subscription: Subscription): Promise<void>
  /** Removes the subscription and its deliveries; `false` when it did not exist. */
  deleteSubscription(organizationId: string, subscriptionId: string): Promise<boolean>
  insertDelivery(delivery: Delivery): Promise<void>
  findDelivery(organizationId: string, subscriptionId: string, deliveryId: string): Promise<Delivery | null>
  /** Newest first, `(createdAt, deliveryId)` cursor. */
  listDeliveries(organizationId: string, subscriptionId: string, page: PageQuery): Promise<Page<Delivery>>
  /**
   * Claims up to `limit` pending deliveries due at `now` whose subscription is active and that no
   * other worker holds, locking them until `lockedUntil` (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimDue(now: Date, lockedUntil: Date, limit: number): Promise<Delivery[]>
  /** Records one attempt and releases the claim. */
  recordAttempt(deliveryId: string, result: AttemptResult): Promise<void>
  /** Sets a delivery pending again, due at `now`, keeping its id (the `webhook-id`). */
  requeue(organizationId: string, deliveryId: string, now: Date): Promise<void>
  /** Pending deliveries across every organization. */
  queueDepth(): Promise<number>
}

declare module '@sentryagent/core' {
  interface StorageExtensions {
    webhooks: WebhookRepository
  }
}

// ---- memory -------------------------------------------------------------------------------------

const later = (a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

function pageFrom<T>(rows: T[], limit: number, key: (row: T) => [string, string]): Page<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null }
}

function cursorOf(page: PageQuery): [Date, string] | undefined {
  if (page.cursor === undefined) return undefined
  const [at, id] = decodeCursor(page.cursor)
  return [new Date(String(at)), id]
}

function memoryRepository(): (journal: MemoryJournal) => WebhookRepository {
  const subscriptions = new Map<string, Subscription>()
  const deliveries = new Map<string, Delivery>()
  const copySub = (s: Subscription): Subscription => ({ ...s, events: [...s.events] })
  const copyDel = (d: Delivery): Delivery => ({ ...d })

  return (journal) => {
    const putSub = (next: Subscription) => {
      const before = subscriptions.get(next.subscriptionId)
      subscriptions.set(next.subscriptionId, copySub(next))
      journal(() => (before === undefined ? subscriptions.delete(next.subscriptionId) : subscriptions.set(next.subscriptionId, before)))
    }
    const putDel = (next: Delivery) => {
      const before = deliveries.get(next.deliveryId)
      deliveries.set(next.deliveryId, copyDel(next))
      journal(() => (before === undefined ? deliveries.delete(next.deliveryId) : deliveries.set(next.deliveryId, before)))
    }
    const ownSub = (organizationId: string, subscriptionId: string) => {
      const s = subscriptions.get(subscriptionId)
      return s !== undefined && s.organizationId === organizationId ? s : undefined
    }
    return {
      async insertSubscription(subscription) {
        putSub(subscription)
      },
      async findSubscription(organizationId, subscriptionId) {
        const s = ownSub(organizationId, subscriptionId)
        return s === undefined ? null : copySub(s)
      },
      async listSubscriptions(organizationId, page) {
        const after = cursorOf(page)
        const rows = [...subscriptions.values()]
          .filter((s) => s.organizationId === organizationId)
          .map((s) => ({ s, key: { createdAt: s.createdAt, id: s.subscriptionId } }))
          .filter(({ key }) => after === undefined || later(key, { createdAt: after[0], id: after[1] }) > 0)
          .sort((a, b) => later(a.key, b.key))
          .map(({ s }) => copySub(s))
        return pageFrom(rows, page.limit, (s) => [s.createdAt.toISOString(), s.subscriptionId])
      },
      async countSubscriptions(organizationId) {
        return [...subscriptions.values()].filter((s) => s.organizationId === organizationId).length
      },
      async activeSubscriptions(organizationId) {
        return [...subscriptions.values()]
          .filter((s) => s.organizationId === organizationId && s.active)
          .sort((a, b) => later({ createdAt: a.createdAt, id: a.subscriptionId }, { createdAt: b.createdAt, id: b.subscriptionId }))
          .map(copySub)
      },
      async updateSubscription(subscription) {
        if (ownSub(subscription.organizationId, subscription.subscriptionId) !== undefined) putSub(subscription)
      },
      async deleteSubscription(organizationId, subscriptionId) {
        const s = ownSub(organizationId, subscriptionId)
        if (s === undefined) return false
        subscriptions.delete(subscriptionId)
        journal(() => subscriptions.set(subscriptionId, s))
        for (const d of [...deliveries.values()]) {
          if (d.subscriptionId !== subscriptionId) continue
          deliveries.delete(d.deliveryId)
          journal(() => deliveries.set(d.deliveryId, d))
        }
        return true
      },
      async insertDelivery(delivery) {
        putDel(delivery)
      },
      async findDelivery(organizationId, subscriptionId, deliveryId) {
        const d = deliveries.get(deliveryId)
        return d !== undefined && d.organizationId === organizationId && d.subscriptionId === subscriptionId ? copyDel(d) : null
      },
      async listDeliveries(organizationId, subscriptionId, page) {
        const before = cursorOf(page)
        const rows = [...deliveries.values()]
          .filter((d) => d.organizationId === organizationId && d.subscriptionId === subscriptionId)
          .filter((d) => before === undefined || later({ createdAt: d.createdAt, id: d.deliveryId }, { createdAt: before[0], id: before[1] }) < 0)
          .sort((a, b) => later({ createdAt: b.createdAt, id: b.deliveryId }, { createdAt: a.createdAt, id: a.deliveryId }))
          .map(copyDel)
        return pageFrom(rows, page.limit, (d) => [d.createdAt.toISOString(), d.deliveryId])
      },
      async claimDue(now, lockedUntil, limit) {
        // One synchronous pass: no other claim interleaves (the memory equivalent of SKIP LOCKED).
        const due = [...deliveries.values()]
          .filter(
            (d) =>
              d.status === 'pending' &&
              d.nextAttemptAt !== null &&
              d.nextAttemptAt <= now &&
              (d.lockedUntil === null || d.lockedUntil <= now) &&
              subscriptions.get(d.subscriptionId)?.active === true,
          )
          .sort((a, b) => (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0) || later({ createdAt: a.createdAt, id: a.deliveryId }, { createdAt: b.createdAt, id: b.deliveryId }))
          .slice(0, limit)
        for (const d of due) putDel({ ...d, lockedUntil })
        return due.map((d) => ({ ...d, lockedUntil }))
      },
      async recordAttempt(deliveryId, result) {
        const d = deliveries.get(deliveryId)
        if (d === undefined) return
        putDel({
          ...d,
          status: result.status,
          attempts: result.attempts,
          nextAttemptAt: result.nextAttemptAt,
          lockedUntil: null,
          lastAttemptAt: result.attemptedAt,
          lastResponseCode: result.responseCode,
          lastDurationMs: result.durationMs,
          lastError: result.error,
        })
      },
      async requeue(organizationId, deliveryId, now) {
        const d = deliveries.get(deliveryId)
        if (d === undefined || d.organizationId !== organizationId) return
        putDel({ ...d, status: 'pending', nextAttemptAt: now, lockedUntil: null })
      },
      async queueDepth() {
        return [...deliveries.values()].filter((d) => d.status === 'pending').length
      },
    }
  }
}

// ---- PostgreSQL ------------------------------------------------------------------------------------

type WebhookTables = {
  webhook_subscriptions: {
    subscription_id: string
    organization_id: string
    url: string
    description: string | null
    events: string
    active: boolean
    disabled_reason: string | null
    failing_since: Date | null
    secret_version: number
    previous_secret_version: number | null
    previous_secret_expires_at: Date | null
    created_at: Date
    updated_at: Date
  }
  webhook_deliveries: {
    delivery_id: string
    subscription_id: string
    organization_id: string
    event_id: string | null
    event: string
    payload: string
    status: string
    attempts: number
    next_attempt_at: Date | null
    locked_until: Date | null
    last_attempt_at: Date | null
    last_response_code: number | null
    last_duration_ms: number | null
    last_error: string | null
    created_at: Date
  }
}

type SubRow = WebhookTables['webhook_subscriptions']
type DelRow = WebhookTables['webhook_deliveries']

const date = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v))

function toSub(r: SubRow): Subscription {
  return {
    subscriptionId: r.subscription_id,
    organizationId: r.organization_id,
    url: r.url,
    description: r.description,
    events: JSON.parse(r.events) as string[],
    active: r.active,
    disabledReason: r.disabled_reason,
    failingSince: date(r.failing_since),
    secretVersion: Number(r.secret_version),
    previousSecretVersion: r.previous_secret_version === null ? null : Number(r.previous_secret_version),
    previousSecretExpiresAt: date(r.previous_secret_expires_at),
    createdAt: date(r.created_at) ?? new Date(0),
    updatedAt: date(r.updated_at) ?? new Date(0),
  }
}

function fromSub(s: Subscription): SubRow {
  return {
    subscription_id: s.subscriptionId,
    organization_id: s.organizationId,
    url: s.url,
    description: s.description,
    events: JSON.stringify(s.events),
    active: s.active,
    disabled_reason: s.disabledReason,
    failing_since: s.failingSince,
    secret_version: s.secretVersion,
    previous_secret_version: s.previousSecretVersion,
    previous_secret_expires_at: s.previousSecretExpiresAt,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  }
}

function toDel(r: DelRow): Delivery {
  return {
    deliveryId: r.delivery_id,
    subscriptionId: r.subscription_id,
    organizationId: r.organization_id,
    eventId: r.event_id,
    event: r.event,
    payload: r.payload,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: date(r.next_attempt_at),
    lockedUntil: date(r.locked_until),
    lastAttemptAt: date(r.last_attempt_at),
    lastResponseCode: r.last_response_code === null ? null : Number(r.last_response_code),
    lastDurationMs: r.last_duration_ms === null ? null : Number(r.last_duration_ms),
    lastError: r.last_error,
    createdAt: date(r.created_at) ?? new Date(0),
  }
}

function kyselyRepository(db: Kysely<WebhookTables>): WebhookRepository {
  return {
    async insertSubscription(subscription) {
      await db.insertInto('webhook_subscriptions').values(fromSub(subscription)).execute()
    },
    async findSubscription(organizationId, subscriptionId) {
      const row = await db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('subscription_id', '=', subscriptionId)
        .executeTakeFirst()
      return row === undefined ? null : toSub(row)
    },
    async listSubscriptions(organizationId, page) {
      const after = cursorOf(page)
      let q = db.selectFrom('webhook_subscriptions').selectAll().where('organization_id', '=', organizationId)
      if (after !== undefined) {
        q = q.where((eb) => eb.or([eb('created_at', '>', after[0]), eb.and([eb('created_at', '=', after[0]), eb('subscription_id', '>', after[1])])]))
      }
      const rows = await q.orderBy('created_at').orderBy('subscription_id').limit(page.limit + 1).execute()
      return pageFrom(rows.map(toSub), page.limit, (s) => [s.createdAt.toISOString(), s.subscriptionId])
    },
    async countSubscriptions(organizationId) {
      const row = await db
        .selectFrom('webhook_subscriptions')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organization_id', '=', organizationId)
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },
    async activeSubscriptions(organizationId) {
      const rows = await db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('active', '=', true)
        .orderBy('created_at')
        .orderBy('subscription_id')
        .execute()
      return rows.map(toSub)
    },
    async updateSubscription(subscription) {
      const { subscription_id: _id, organization_id: _org, created_at: _c, ...changes } = fromSub(subscription)
      await db
        .updateTable('webhook_subscriptions')
        .set(changes)
        .where('organization_id', '=', subscription.organizationId)
        .where('subscription_id', '=', subscription.subscriptionId)
        .execute()
    },
    async deleteSubscription(organizationId, subscriptionId) {
      await db.deleteFrom('webhook_deliveries').where('organization_id', '=', organizationId).where('subscription_id', '=', subscriptionId).execute()
      const result = await db
        .deleteFrom('webhook_subscriptions')
        .where('organization_id', '=', organizationId)
        .where('subscription_id', '=', subscriptionId)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
    async insertDelivery(d) {
      await db
        .insertInto('webhook_deliveries')
        .values({
          delivery_id: d.deliveryId,
          subscription_id: d.subscriptionId,
          organization_id: d.organizationId,
          event_id: d.eventId,
          event: d.event,
          payload: d.payload,
          status: d.status,
          attempts: d.attempts,
          next_attempt_at: d.nextAttemptAt,
          locked_until: d.lockedUntil,
          last_attempt_at: d.lastAttemptAt,
          last_response_code: d.lastResponseCode,
          last_duration_ms: d.lastDurationMs,
          last_error: d.lastError,
          created_at: d.createdAt,
        })
        .execute()
    },
    async findDelivery(organizationId, subscriptionId, deliveryId) {
      const row = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('subscription_id', '=', subscriptionId)
        .where('delivery_id', '=', deliveryId)
        .executeTakeFirst()
      return row === undefined ? null : toDel(row)
    },
    async listDeliveries(organizationId, subscriptionId, page) {
      const before = cursorOf(page)
      let q = db.selectFrom('webhook_deliveries').selectAll().where('organization_id', '=', organizationId).where('subscription_id', '=', subscriptionId)
      if (before !== undefined) {
        q = q.where((eb) => eb.or([eb('created_at', '<', before[0]), eb.and([eb('created_at', '=', before[0]), eb('delivery_id', '<', before[1])])]))
      }
      const rows = await q.orderBy('created_at', 'desc').orderBy('delivery_id', 'desc').limit(page.limit + 1).execute()
      return pageFrom(rows.map(toDel), page.limit, (d) => [d.createdAt.toISOString(), d.deliveryId])
    },
    async claimDue(now, lockedUntil, limit) {
      const rows = await db
        .updateTable('webhook_deliveries')
        .set({ locked_until: lockedUntil })
        .where('delivery_id', 'in', (eb) =>
          eb
            .selectFrom('webhook_deliveries as d')
            .innerJoin('webhook_subscriptions as s', 's.subscription_id', 'd.subscription_id')
            .select('d.delivery_id')
            .where('d.status', '=', 'pending')
            .where('d.next_attempt_at', '<=', now)
            .where((w) => w.or([w('d.locked_until', 'is', null), w('d.locked_until', '<=', now)]))
            .where('s.active', '=', true)
            .orderBy('d.next_attempt_at')
            .limit(limit)
            .forUpdate('d')
            .skipLocked(),
        )
        .returningAll()
        .execute()
      return rows.map(toDel)
    },
    async recordAttempt(deliveryId, r) {
      await db
        .updateTable('webhook_deliveries')
        .set({
          status: r.status,
          attempts: r.attempts,
          next_attempt_at: r.nextAttemptAt,
          locked_until: null,
          last_attempt_at: r.attemptedAt,
          last_response_code: r.responseCode,
          last_duration_ms: r.durationMs,
          last_error: r.error,
        })
        .where('delivery_id', '=', deliveryId)
        .execute()
    },
    async requeue(organizationId, deliveryId, now) {
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', next_attempt_at: now, locked_until: null })
        .where('organization_id', '=', organizationId)
        .where('delivery_id', '=', deliveryId)
        .execute()
    },
    async queueDepth() {
      const row = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },
  }
}

export const webhooksStorage = {
  id: 'webhooks',
  memory: memoryRepository,
  postgres: {
    migrations: {
      '0001-webhooks': {
        async up(db: Kysely<unknown>) {
          await db.schema
            .createTable('webhook_subscriptions')
            .addColumn('subscription_id', 'text', (c) => c.primaryKey())
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('url', 'text', (c) => c.notNull())
            .addColumn('description', 'text')
            .addColumn('events', 'text', (c) => c.notNull())
            .addColumn('active', 'boolean', (c) => c.notNull())
            .addColumn('disabled_reason', 'text')
            .addColumn('failing_since', 'timestamptz')
            .addColumn('secret_version', 'integer', (c) => c.notNull())
            .addColumn('previous_secret_version', 'integer')
            .addColumn('previous_secret_expires_at', 'timestamptz')
            .addColumn('created_at', 'timestamptz', (c) => c.notNull())
            .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
            .execute()
          await db.schema.createIndex('webhook_subscriptions_org').on('webhook_subscriptions').columns(['organization_id', 'created_at', 'subscription_id']).execute()
          await db.schema
            .createTable('webhook_deliveries')
            .addColumn('delivery_id', 'text', (c) => c.primaryKey())
            .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.subscription_id').onDelete('cascade'))
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('event_id', 'text')
            .addColumn('event', 'text', (c) => c.notNull())
            .addColumn('payload', 'text', (c) => c.notNull())
            .addColumn('status', 'text', (c) => c.notNull())
            .addColumn('attempts', 'integer', (c) => c.notNull())
            .addColumn('next_attempt_at', 'timestamptz')
            .addColumn('locked_until', 'timestamptz')
            .addColumn('last_attempt_at', 'timestamptz')
            .addColumn('last_response_code', 'integer')
            .addColumn('last_duration_ms', 'integer')
            .addColumn('last_error', 'text')
            .addColumn('created_at', 'timestamptz', (c) => c.notNull())
            .execute()
          await db.schema.createIndex('webhook_deliveries_subscription').on('webhook_deliveries').columns(['subscription_id', 'created_at', 'delivery_id']).execute()
          await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'`.execute(db)
        },
      },
    },
    repository: (db: Kysely<object>) => kyselyRepository(db.withTables<WebhookTables>()),
  },
} satisfies PostgresStorageExtension<'webhooks'>
