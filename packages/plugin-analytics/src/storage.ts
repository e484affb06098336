/**
 * The analytics tables: hourly aggregates `(organization, hour, metric) → count`, daily aggregates
 * per agent `(organization, day, agent, metric) → count`, and each agent's last activity. One storage extension with a memory half and a PostgreSQL half (kysely),
 * written inside core's transactions through `tx.ext('analytics')`. Every query takes the
 * organization id.
 *
 * @module
 */
import type { PostgresStorageExtension } from '@sentryagent/adapter-postgres'
import type { MemoryJournal, StorageTx } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'
import { dayOf, hourOf, type HourlyCount, type Metric } from './metrics.js'

/** A total of one metric in one hour, over every agent. */
export interface HourTotal {
  hour: Date
  metric: Metric
  count: number
}

/** How {@link AnalyticsRepository.grouped} groups. */
export type Grouping = 'day' | 'weekhour' | 'none'

/** A total of one metric in one group. */
export interface GroupTotal {
  key: string
  metric: Metric
  count: number
}

/** The group of an hour, as the database computes it. */
export function groupKey(hour: Date, by: Grouping): string {
  if (by === 'day') return hour.toISOString().slice(0, 10)
  if (by === 'weekhour') return `${hour.getUTCDay()}:${hour.getUTCHours()}`
  return ''
}

const GROUP_SQL: Record<Grouping, string> = {
  day: `to_char(hour at time zone 'UTC', 'YYYY-MM-DD')`,
  weekhour: `extract(dow from hour at time zone 'UTC')::int || ':' || extract(hour from hour at time zone 'UTC')::int`,
  none: `''`,
}

/** A total of one metric of one agent over a range. */
export interface AgentTotal {
  agentId: string
  metric: Metric
  count: number
}

/** The analytics repository (`tx.ext('analytics')`, `storage.ext('analytics')`). */
export interface AnalyticsRepository {
  /**
   * Adds each row's count to the aggregates (inserted, or incremented): the organization's hourly
   * totals (over agents) and each agent's daily totals.
   */
  add(rows: readonly HourlyCount[]): Promise<void>
  /** Moves each agent's last activity forward to `at` (never back). */
  touch(organizationId: string, seen: readonly { agentId: string; at: Date }[]): Promise<void>
  /** Totals per hour and metric over every agent (and none), for hours in `[from, to)`, by hour. */
  hourly(organizationId: string, from: Date, to: Date): Promise<HourTotal[]>
  /**
   * Totals per metric for hours in `[from, to)`, grouped in the database: per UTC day (`key`
   * `YYYY-MM-DD`), per UTC day of week and hour (`key` `<0–6>:<0–23>`, 0 = Sunday), or in all (`key` `''`).
   */
  grouped(organizationId: string, from: Date, to: Date, by: Grouping): Promise<GroupTotal[]>
  /** Totals per agent and metric for the UTC days in `[dayOf(from), to)`; events without an agent are left out. */
  byAgent(organizationId: string, from: Date, to: Date): Promise<AgentTotal[]>
  /** The last activity of each of `agentIds` that has one. */
  lastActive(organizationId: string, agentIds: readonly string[]): Promise<Map<string, Date>>
}

/**
 * The repository of a storage or transaction. (Not typed by merging into core's
 * `StorageExtensions`: such a merge from a built package hid the merges of other packages and of
 * `@sentryagent/core/testing` from the type checker — see the package README.)
 */
export function analyticsRepository(storage: Pick<StorageTx, 'ext'>): AnalyticsRepository {
  return (storage.ext as (id: string) => unknown)('analytics') as AnalyticsRepository
}

// A type alias (not an interface): `withTables` needs an index-signature-compatible shape.
type AnalyticsTables = {
  analytics_hourly: { organization_id: string; hour: Date; metric: string; count: string | number }
  analytics_agent_daily: { organization_id: string; day: Date; agent_id: string; metric: string; count: string | number }
  analytics_last_active: { organization_id: string; agent_id: string; last_active_at: Date }
}

const CHUNK = 1000

/** The rows rolled up: per organization, hour and metric; per organization, UTC day, agent and metric. */
function rollUp(rows: readonly HourlyCount[]) {
  const hourly = new Map<string, { organizationId: string; hour: Date; metric: Metric; count: number }>()
  const daily = new Map<string, { organizationId: string; day: Date; agentId: string; metric: Metric; count: number }>()
  for (const r of rows) {
    const hk = `${r.organizationId}\u0000${r.hour.getTime()}\u0000${r.metric}`
    const h = hourly.get(hk)
    if (h === undefined) hourly.set(hk, { organizationId: r.organizationId, hour: hourOf(r.hour), metric: r.metric, count: r.count })
    else h.count += r.count
    if (r.agentId === '') continue
    const day = dayOf(r.hour)
    const dk = `${r.organizationId}\u0000${day.getTime()}\u0000${r.agentId}\u0000${r.metric}`
    const d = daily.get(dk)
    if (d === undefined) daily.set(dk, { organizationId: r.organizationId, day, agentId: r.agentId, metric: r.metric, count: r.count })
    else d.count += r.count
  }
  // Key order: concurrent writers lock rows in the same order and never deadlock.
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)
  return { hourly: sorted(hourly), daily: sorted(daily) }
}

/** The greatest `at` per agent. */
function latest(seen: readonly { agentId: string; at: Date }[]): Map<string, Date> {
  const out = new Map<string, Date>()
  for (const { agentId, at } of seen) {
    const before = out.get(agentId)
    if (before === undefined || before < at) out.set(agentId, at)
  }
  return out
}

function kyselyRepository(db: Kysely<AnalyticsTables>): AnalyticsRepository {
  return {
    async add(rows) {
      const { hourly, daily } = rollUp(rows)
      for (let i = 0; i < hourly.length; i += CHUNK) {
        await db
          .insertInto('analytics_hourly')
          .values(hourly.slice(i, i + CHUNK).map((r) => ({ organization_id: r.organizationId, hour: r.hour, metric: r.metric, count: r.count })))
          .onConflict((oc) => oc.columns(['organization_id', 'hour', 'metric']).doUpdateSet({ count: sql`analytics_hourly.count + excluded.count` }))
          .execute()
      }
      for (let i = 0; i < daily.length; i += CHUNK) {
        await db
          .insertInto('analytics_agent_daily')
          .values(daily.slice(i, i + CHUNK).map((r) => ({ organization_id: r.organizationId, day: r.day, agent_id: r.agentId, metric: r.metric, count: r.count })))
          .onConflict((oc) =>
            oc.columns(['organization_id', 'day', 'agent_id', 'metric']).doUpdateSet({ count: sql`analytics_agent_daily.count + excluded.count` }),
          )
          .execute()
      }
    },
    async touch(organizationId, seen) {
      const rows = [...latest(seen)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      for (let i = 0; i < rows.length; i += CHUNK) {
        await db
          .insertInto('analytics_last_active')
          .values(rows.slice(i, i + CHUNK).map(([agentId, at]) => ({ organization_id: organizationId, agent_id: agentId, last_active_at: at })))
          .onConflict((oc) =>
            oc
              .columns(['organization_id', 'agent_id'])
              .doUpdateSet({ last_active_at: sql`greatest(analytics_last_active.last_active_at, excluded.last_active_at)` }),
          )
          .execute()
      }
    },
    async hourly(organizationId, from, to) {
      const rows = await db
        .selectFrom('analytics_hourly')
        .select(['hour', 'metric', sql<string>`sum(count)`.as('total')])
        .where('organization_id', '=', organizationId)
        .where('hour', '>=', from)
        .where('hour', '<', to)
        .groupBy(['hour', 'metric'])
        .orderBy('hour')
        .orderBy('metric')
        .execute()
      return rows.map((r) => ({ hour: new Date(r.hour), metric: r.metric as Metric, count: Number(r.total) }))
    },
    async grouped(organizationId, from, to, by) {
      const key = sql<string>`${sql.raw(GROUP_SQL[by])}`
      const rows = await db
        .selectFrom('analytics_hourly')
        .select([key.as('key'), 'metric', sql<string>`sum(count)`.as('total')])
        .where('organization_id', '=', organizationId)
        .where('hour', '>=', from)
        .where('hour', '<', to)
        // A constant key (`none`) is not a grouping column.
        .groupBy(by === 'none' ? ['metric'] : [key, 'metric'])
        .execute()
      return rows.map((r) => ({ key: String(r.key), metric: r.metric as Metric, count: Number(r.total) }))
    },
    async byAgent(organizationId, from, to) {
      const rows = await db
        .selectFrom('analytics_agent_daily')
        .select(['agent_id', 'metric', sql<string>`sum(count)`.as('total')])
        .where('organization_id', '=', organizationId)
        .where('day', '>=', dayOf(from))
        .where('day', '<', to)
        .groupBy(['agent_id', 'metric'])
        .execute()
      return rows.map((r) => ({ agentId: r.agent_id, metric: r.metric as Metric, count: Number(r.total) }))
    },
    async lastActive(organizationId, agentIds) {
      const out = new Map<string, Date>()
      for (let i = 0; i < agentIds.length; i += CHUNK) {
        const ids = agentIds.slice(i, i + CHUNK)
        const rows = await db
          .selectFrom('analytics_last_active')
          .select(['agent_id', 'last_active_at'])
          .where('organization_id', '=', organizationId)
          .where('agent_id', 'in', ids)
          .execute()
        for (const r of rows) out.set(r.agent_id, new Date(r.last_active_at))
      }
      return out
    },
  }
}

function memoryRepository(): (journal: MemoryJournal) => AnalyticsRepository {
  const hourly = new Map<string, { organizationId: string; hour: Date; metric: Metric; count: number }>()
  const daily = new Map<string, { organizationId: string; day: Date; agentId: string; metric: Metric; count: number }>()
  const last = new Map<string, Date>()
  const bump = <T extends { count: number }>(map: Map<string, T>, key: string, row: T, journal: MemoryJournal) => {
    const before = map.get(key)
    map.set(key, { ...row, count: (before?.count ?? 0) + row.count })
    journal(() => (before === undefined ? map.delete(key) : map.set(key, before)))
  }
  return (journal) => ({
    async add(rows) {
      const rolled = rollUp(rows)
      for (const r of rolled.hourly) bump(hourly, `${r.organizationId}\u0000${r.hour.getTime()}\u0000${r.metric}`, r, journal)
      for (const r of rolled.daily) bump(daily, `${r.organizationId}\u0000${r.day.getTime()}\u0000${r.agentId}\u0000${r.metric}`, r, journal)
    },
    async touch(organizationId, seen) {
      for (const [agentId, at] of latest(seen)) {
        const k = `${organizationId}\u0000${agentId}`
        const before = last.get(k)
        if (before !== undefined && before >= at) continue
        last.set(k, new Date(at))
        journal(() => (before === undefined ? last.delete(k) : last.set(k, before)))
      }
    },
    async hourly(organizationId, from, to) {
      return [...hourly.values()]
        .filter((r) => r.organizationId === organizationId && r.hour >= from && r.hour < to)
        .map((r) => ({ hour: new Date(r.hour), metric: r.metric, count: r.count }))
        .sort((a, b) => a.hour.getTime() - b.hour.getTime() || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0))
    },
    async grouped(organizationId, from, to, by) {
      const totals = new Map<string, GroupTotal>()
      for (const r of hourly.values()) {
        if (r.organizationId !== organizationId || r.hour < from || r.hour >= to) continue
        const key = groupKey(r.hour, by)
        const k = `${key}\u0000${r.metric}`
        const t = totals.get(k)
        if (t === undefined) totals.set(k, { key, metric: r.metric, count: r.count })
        else t.count += r.count
      }
      return [...totals.values()]
    },
    async byAgent(organizationId, from, to) {
      const start = dayOf(from)
      const totals = new Map<string, AgentTotal>()
      for (const r of daily.values()) {
        if (r.organizationId !== organizationId || r.day < start || r.day >= to) continue
        const k = `${r.agentId}\u0000${r.metric}`
        const t = totals.get(k)
        if (t === undefined) totals.set(k, { agentId: r.agentId, metric: r.metric, count: r.count })
        else t.count += r.count
      }
      return [...totals.values()]
    },
    async lastActive(organizationId, agentIds) {
      const out = new Map<string, Date>()
      for (const agentId of agentIds) {
        const at = last.get(`${organizationId}\u0000${agentId}`)
        if (at !== undefined) out.set(agentId, new Date(at))
      }
      return out
    },
  })
}

/** The storage extension: give it to `createMemoryStorage|createPgliteStorage|createPostgresStorage({ extensions })`. */
export const analyticsStorage = {
  id: 'analytics',
  memory: memoryRepository,
  postgres: {
    migrations: {
      '0001-analytics': {
        async up(db: Kysely<unknown>) {
          // Per organization, hour and metric (over agents): series, heatmap, summary — at most
          // 24 × 6 rows a day whatever the traffic.
          await db.schema
            .createTable('analytics_hourly')
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('hour', 'timestamptz', (c) => c.notNull())
            .addColumn('metric', 'text', (c) => c.notNull())
            .addColumn('count', 'bigint', (c) => c.notNull())
            .addPrimaryKeyConstraint('analytics_hourly_pkey', ['organization_id', 'hour', 'metric'])
            .execute()
          // Per organization, UTC day, agent and metric: usage per agent.
          await db.schema
            .createTable('analytics_agent_daily')
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('day', 'timestamptz', (c) => c.notNull())
            .addColumn('agent_id', 'text', (c) => c.notNull())
            .addColumn('metric', 'text', (c) => c.notNull())
            .addColumn('count', 'bigint', (c) => c.notNull())
            .addPrimaryKeyConstraint('analytics_agent_daily_pkey', ['organization_id', 'day', 'agent_id', 'metric'])
            .execute()
          await db.schema
            .createTable('analytics_last_active')
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('agent_id', 'text', (c) => c.notNull())
            .addColumn('last_active_at', 'timestamptz', (c) => c.notNull())
            .addPrimaryKeyConstraint('analytics_last_active_pkey', ['organization_id', 'agent_id'])
            .execute()
        },
        async down(db: Kysely<unknown>) {
          await db.schema.dropTable('analytics_last_active').ifExists().execute()
          await db.schema.dropTable('analytics_agent_daily').ifExists().execute()
          await db.schema.dropTable('analytics_hourly').ifExists().execute()
        },
      },
    },
    repository: (db: Kysely<object>) => kyselyRepository(db.withTables<AnalyticsTables>()),
  },
} satisfies PostgresStorageExtension<'analytics'>
