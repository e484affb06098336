/**
 * The billing tables, as a storage extension (memory half + PostgreSQL half): durable daily usage
 * per organization, the Stripe customer of each organization, and the Stripe events already
 * processed (idempotency by event id). Every query names the organization, except the two lookups
 * a Stripe webhook needs (by customer id, by event id).
 *
 * @module
 */
import type { PostgresStorageExtension } from '@sentryagent/adapter-postgres'
import type { MemoryJournal, Storage, StorageTx } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'

/** One organization's usage on one UTC day. */
export interface UsageRow {
  organizationId: string
  /** `YYYY-MM-DD` (UTC). */
  day: string
  /** Authenticated REST calls admitted (flushed from the live counters). */
  apiCalls: number
  /** Access tokens issued (from the audit log). */
  tokensIssued: number
  /** Agents registered (from the audit log). */
  agentsCreated: number
  /** Credentials generated (from the audit log). */
  credentialsIssued: number
}

/** Counts added to a day by the audit-log consumer. */
export interface UsageDelta {
  tokensIssued?: number
  agentsCreated?: number
  credentialsIssued?: number
}

/** The Stripe customer of an organization (one per organization) and its subscription. */
export interface BillingCustomer {
  organizationId: string
  stripeCustomerId: string
  subscriptionId: string | null
  /** Stripe's subscription status (`active`, `past_due`, `canceled`, …), `null` before any. */
  subscriptionStatus: string | null
  updatedAt: Date
}

/** The billing repository (`tx.ext('billing')`, `storage.ext('billing')`). */
export interface BillingRepository {
  addUsage(organizationId: string, day: string, delta: UsageDelta): Promise<void>
  /** Raises the day's API calls to `value` (never lowers it: counters may restart after a cache loss). */
  raiseApiCalls(organizationId: string, day: string, value: number): Promise<void>
  /** Rows of `from`…`to` (both included), by day; days without usage are absent. */
  usage(organizationId: string, from: string, to: string): Promise<UsageRow[]>
  /** Rows of days before `beforeDay` with tokens not yet reported to the Stripe meter (any organization). */
  unreportedUsage(beforeDay: string, limit: number): Promise<UsageRow[]>
  markReported(organizationId: string, day: string, at: Date): Promise<void>
  customer(organizationId: string): Promise<BillingCustomer | null>
  customerByStripeId(stripeCustomerId: string): Promise<BillingCustomer | null>
  /** Inserts the customer unless the organization has one; resolves with the stored one. */
  insertCustomer(customer: BillingCustomer): Promise<BillingCustomer>
  updateSubscription(organizationId: string, patch: Pick<BillingCustomer, 'subscriptionId' | 'subscriptionStatus' | 'updatedAt'>): Promise<void>
  /** Records a processed Stripe event; `false` when it was recorded before (a redelivery). */
  recordEvent(eventId: string, type: string, organizationId: string | null, at: Date): Promise<boolean>
  eventSeen(eventId: string): Promise<boolean>
}

/**
 * The billing repository of `storage` or `tx` (`ext('billing')`). A typed accessor rather than a
 * `StorageExtensions` augmentation, which TypeScript merges unreliably across project references
 * (it hid other programs' own storage extensions).
 */
export function billingRepository(storage: Pick<Storage, 'ext'> | Pick<StorageTx, 'ext'>): BillingRepository {
  return (storage.ext as (id: string) => unknown)('billing') as BillingRepository
}

// A type alias (not an interface): `withTables` needs an index-signature-compatible shape.
type BillingTables = {
  billing_usage: {
    organization_id: string
    day: string
    api_calls: number
    tokens_issued: number
    agents_created: number
    credentials_issued: number
    meter_reported_at: Date | null
  }
  billing_customers: {
    organization_id: string
    stripe_customer_id: string
    subscription_id: string | null
    subscription_status: string | null
    updated_at: Date
  }
  billing_stripe_events: { event_id: string; type: string; organization_id: string | null; received_at: Date }
}

type UsageRecord = BillingTables['billing_usage']

const toUsage = (r: Omit<UsageRecord, 'meter_reported_at'>): UsageRow => ({
  organizationId: r.organization_id,
  day: r.day,
  apiCalls: Number(r.api_calls),
  tokensIssued: Number(r.tokens_issued),
  agentsCreated: Number(r.agents_created),
  credentialsIssued: Number(r.credentials_issued),
})

const toCustomer = (r: BillingTables['billing_customers']): BillingCustomer => ({
  organizationId: r.organization_id,
  stripeCustomerId: r.stripe_customer_id,
  subscriptionId: r.subscription_id,
  subscriptionStatus: r.subscription_status,
  updatedAt: r.updated_at,
})

const USAGE_COLUMNS = ['organization_id', 'day', 'api_calls', 'tokens_issued', 'agents_created', 'credentials_issued'] as const

function kyselyRepository(db: Kysely<BillingTables>): BillingRepository {
  return {
    async addUsage(organizationId, day, delta) {
      const t = delta.tokensIssued ?? 0
      const a = delta.agentsCreated ?? 0
      const c = delta.credentialsIssued ?? 0
      await db
        .insertInto('billing_usage')
        .values({ organization_id: organizationId, day, api_calls: 0, tokens_issued: t, agents_created: a, credentials_issued: c, meter_reported_at: null })
        .onConflict((oc) =>
          oc.columns(['organization_id', 'day']).doUpdateSet({
            tokens_issued: sql`billing_usage.tokens_issued + ${t}`,
            agents_created: sql`billing_usage.agents_created + ${a}`,
            credentials_issued: sql`billing_usage.credentials_issued + ${c}`,
          }),
        )
        .execute()
    },
    async raiseApiCalls(organizationId, day, value) {
      await db
        .insertInto('billing_usage')
        .values({ organization_id: organizationId, day, api_calls: value, tokens_issued: 0, agents_created: 0, credentials_issued: 0, meter_reported_at: null })
        .onConflict((oc) => oc.columns(['organization_id', 'day']).doUpdateSet({ api_calls: sql`greatest(billing_usage.api_calls, ${value})` }))
        .execute()
    },
    async usage(organizationId, from, to) {
      const rows = await db
        .selectFrom('billing_usage')
        .select(USAGE_COLUMNS)
        .where('organization_id', '=', organizationId)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .orderBy('day')
        .execute()
      return rows.map(toUsage)
    },
    async unreportedUsage(beforeDay, limit) {
      const rows = await db
        .selectFrom('billing_usage')
        .select(USAGE_COLUMNS)
        .where('day', '<', beforeDay)
        .where('meter_reported_at', 'is', null)
        .where('tokens_issued', '>', 0)
        .orderBy('day')
        .orderBy('organization_id')
        .limit(limit)
        .execute()
      return rows.map(toUsage)
    },
    async markReported(organizationId, day, at) {
      await db.updateTable('billing_usage').set({ meter_reported_at: at }).where('organization_id', '=', organizationId).where('day', '=', day).execute()
    },
    async customer(organizationId) {
      const row = await db.selectFrom('billing_customers').selectAll().where('organization_id', '=', organizationId).executeTakeFirst()
      return row === undefined ? null : toCustomer(row)
    },
    async customerByStripeId(stripeCustomerId) {
      const row = await db.selectFrom('billing_customers').selectAll().where('stripe_customer_id', '=', stripeCustomerId).executeTakeFirst()
      return row === undefined ? null : toCustomer(row)
    },
    async insertCustomer(customer) {
      await db
        .insertInto('billing_customers')
        .values({
          organization_id: customer.organizationId,
          stripe_customer_id: customer.stripeCustomerId,
          subscription_id: customer.subscriptionId,
          subscription_status: customer.subscriptionStatus,
          updated_at: customer.updatedAt,
        })
        .onConflict((oc) => oc.column('organization_id').doNothing())
        .execute()
      const row = await db.selectFrom('billing_customers').selectAll().where('organization_id', '=', customer.organizationId).executeTakeFirstOrThrow()
      return toCustomer(row)
    },
    async updateSubscription(organizationId, patch) {
      await db
        .updateTable('billing_customers')
        .set({ subscription_id: patch.subscriptionId, subscription_status: patch.subscriptionStatus, updated_at: patch.updatedAt })
        .where('organization_id', '=', organizationId)
        .execute()
    },
    async recordEvent(eventId, type, organizationId, at) {
      const result = await db
        .insertInto('billing_stripe_events')
        .values({ event_id: eventId, type, organization_id: organizationId, received_at: at })
        .onConflict((oc) => oc.column('event_id').doNothing())
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1
    },
    async eventSeen(eventId) {
      const row = await db.selectFrom('billing_stripe_events').select('event_id').where('event_id', '=', eventId).executeTakeFirst()
      return row !== undefined
    },
  }
}

function memoryRepository(): (journal: MemoryJournal) => BillingRepository {
  const usage = new Map<string, UsageRow & { reportedAt: Date | null }>()
  const customers = new Map<string, BillingCustomer>()
  const events = new Map<string, { type: string; organizationId: string | null; at: Date }>()
  const key = (organizationId: string, day: string) => `${organizationId}\u0000${day}`
  const copy = ({ reportedAt: _r, ...row }: UsageRow & { reportedAt: Date | null }): UsageRow => ({ ...row })
  return (journal) => {
    const touch = (organizationId: string, day: string) => {
      const k = key(organizationId, day)
      const before = usage.get(k)
      journal(() => (before === undefined ? usage.delete(k) : usage.set(k, before)))
      const row = before === undefined
        ? { organizationId, day, apiCalls: 0, tokensIssued: 0, agentsCreated: 0, credentialsIssued: 0, reportedAt: null }
        : { ...before }
      usage.set(k, row)
      return row
    }
    const setCustomer = (c: BillingCustomer) => {
      const before = customers.get(c.organizationId)
      customers.set(c.organizationId, { ...c })
      journal(() => (before === undefined ? customers.delete(c.organizationId) : customers.set(c.organizationId, before)))
    }
    return {
      async addUsage(organizationId, day, delta) {
        const row = touch(organizationId, day)
        row.tokensIssued += delta.tokensIssued ?? 0
        row.agentsCreated += delta.agentsCreated ?? 0
        row.credentialsIssued += delta.credentialsIssued ?? 0
      },
      async raiseApiCalls(organizationId, day, value) {
        const row = touch(organizationId, day)
        row.apiCalls = Math.max(row.apiCalls, value)
      },
      async usage(organizationId, from, to) {
        return [...usage.values()]
          .filter((r) => r.organizationId === organizationId && r.day >= from && r.day <= to)
          .sort((a, b) => (a.day < b.day ? -1 : 1))
          .map(copy)
      },
      async unreportedUsage(beforeDay, limit) {
        return [...usage.values()]
          .filter((r) => r.day < beforeDay && r.reportedAt === null && r.tokensIssued > 0)
          .sort((a, b) => (a.day === b.day ? (a.organizationId < b.organizationId ? -1 : 1) : a.day < b.day ? -1 : 1))
          .slice(0, limit)
          .map(copy)
      },
      async markReported(organizationId, day, at) {
        if (usage.has(key(organizationId, day))) touch(organizationId, day).reportedAt = at
      },
      async customer(organizationId) {
        const c = customers.get(organizationId)
        return c === undefined ? null : { ...c }
      },
      async customerByStripeId(stripeCustomerId) {
        const c = [...customers.values()].find((x) => x.stripeCustomerId === stripeCustomerId)
        return c === undefined ? null : { ...c }
      },
      async insertCustomer(customer) {
        const existing = customers.get(customer.organizationId)
        if (existing !== undefined) return { ...existing }
        setCustomer(customer)
        return { ...customer }
      },
      async updateSubscription(organizationId, patch) {
        const c = customers.get(organizationId)
        if (c !== undefined) setCustomer({ ...c, ...patch })
      },
      async recordEvent(eventId, type, organizationId, at) {
        if (events.has(eventId)) return false
        events.set(eventId, { type, organizationId, at })
        journal(() => events.delete(eventId))
        return true
      },
      async eventSeen(eventId) {
        return events.has(eventId)
      },
    }
  }
}

/** The storage extension: hand it to `createPostgresStorage/createPgliteStorage/createMemoryStorage({ extensions })`. */
export const billingStorage = {
  id: 'billing',
  memory: memoryRepository,
  postgres: {
    migrations: {
      '0001-billing': {
        async up(db: Kysely<unknown>) {
          await db.schema
            .createTable('billing_usage')
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('day', 'text', (c) => c.notNull())
            .addColumn('api_calls', 'integer', (c) => c.notNull().defaultTo(0))
            .addColumn('tokens_issued', 'integer', (c) => c.notNull().defaultTo(0))
            .addColumn('agents_created', 'integer', (c) => c.notNull().defaultTo(0))
            .addColumn('credentials_issued', 'integer', (c) => c.notNull().defaultTo(0))
            .addColumn('meter_reported_at', 'timestamptz')
            .addPrimaryKeyConstraint('billing_usage_pk', ['organization_id', 'day'])
            .execute()
          await db.schema
            .createTable('billing_customers')
            .addColumn('organization_id', 'text', (c) => c.primaryKey())
            .addColumn('stripe_customer_id', 'text', (c) => c.notNull().unique())
            .addColumn('subscription_id', 'text')
            .addColumn('subscription_status', 'text')
            .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
            .execute()
          await db.schema
            .createTable('billing_stripe_events')
            .addColumn('event_id', 'text', (c) => c.primaryKey())
            .addColumn('type', 'text', (c) => c.notNull())
            .addColumn('organization_id', 'text')
            .addColumn('received_at', 'timestamptz', (c) => c.notNull())
            .execute()
        },
      },
    },
    repository: (db: Kysely<object>) => kyselyRepository(db.withTables<BillingTables>()),
  },
} satisfies PostgresStorageExtension<'billing'>
