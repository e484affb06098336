/**
 * The analytics queries of one organization (the caller's: never another). Every figure comes
 * from the hourly aggregates; days and hours are UTC.
 *
 * @module
 */
import { IdpError, type RequestContext, type Storage } from '@sentryagent/core'
import { ACTIVITY_METRICS, DAY_MS, HOUR_MS, METRICS, dayOf, hourOf, type Metric } from './metrics.js'
import { analyticsRepository } from './storage.js'
import type { ActivityView, DaysQuery, SummaryView, TokenSeriesView, Totals, UsageQuery, UsageView } from './schemas.js'

/** Longest range of `GET /analytics/agents/usage`. */
export const MAX_RANGE_DAYS = 90
const DEFAULT_DAYS = 30

const TOTAL_FIELDS: Record<Metric, keyof Totals> = {
  tokens_issued: 'tokensIssued',
  token_exchanges: 'tokenExchanges',
  failed_auth: 'failedAuthentications',
  api_calls: 'apiCalls',
  delegations: 'delegations',
  credential_changes: 'credentialChanges',
}

const zeroTotals = (): Totals => ({ tokensIssued: 0, tokenExchanges: 0, failedAuthentications: 0, apiCalls: 0, delegations: 0, credentialChanges: 0 })
const isoDay = (d: Date): string => d.toISOString().slice(0, 10)
const ACTIVE: ReadonlySet<Metric> = new Set(ACTIVITY_METRICS)

/** `days` UTC days ending with today: `[from, to)`. */
function dayRange(now: Date, days: number): { from: Date; to: Date } {
  if (!Number.isInteger(days) || days < 1 || days > 90) throw new IdpError('VALIDATION_ERROR', 'days must be an integer from 1 to 90')
  const to = new Date(dayOf(now).getTime() + DAY_MS)
  return { from: new Date(to.getTime() - days * DAY_MS), to }
}

/** The service over the storage and clock of one IdP. */
export function createAnalyticsService(deps: { storage: Storage; clock: () => Date }) {
  const repo = () => analyticsRepository(deps.storage)

  return {
    /** `GET /analytics/tokens`: per UTC day, zero-filled. */
    async tokens(ctx: RequestContext, query: DaysQuery): Promise<TokenSeriesView> {
      const days = query.days ?? DEFAULT_DAYS
      const { from, to } = dayRange(deps.clock(), days)
      const items = Array.from({ length: days }, (_, i) => ({ date: isoDay(new Date(from.getTime() + i * DAY_MS)), issued: 0, exchanged: 0, failedAuthentications: 0 }))
      const byDate = new Map(items.map((item) => [item.date, item]))
      const totals = { issued: 0, exchanged: 0, failedAuthentications: 0 }
      // Grouped by UTC day in the database: at most `days` × 6 rows come back.
      for (const row of await repo().grouped(ctx.auth.organizationId, from, to, 'day')) {
        const item = byDate.get(row.key)
        if (item === undefined) continue
        const field = row.metric === 'tokens_issued' ? 'issued' : row.metric === 'token_exchanges' ? 'exchanged' : row.metric === 'failed_auth' ? 'failedAuthentications' : undefined
        if (field === undefined) continue
        item[field] += row.count
        totals[field] += row.count
      }
      return { days, from: isoDay(from), to: isoDay(new Date(to.getTime() - DAY_MS)), items, totals }
    },

    /** `GET /analytics/agents/activity`: activity (every metric but failed authentications) by UTC day of week × hour. */
    async activity(ctx: RequestContext, query: DaysQuery): Promise<ActivityView> {
      const days = query.days ?? DEFAULT_DAYS
      const { from, to } = dayRange(deps.clock(), days)
      const cells = new Array<number>(7 * 24).fill(0)
      let total = 0
      // Grouped by UTC day of week and hour in the database: at most 168 × 6 rows come back.
      for (const row of await repo().grouped(ctx.auth.organizationId, from, to, 'weekhour')) {
        if (!ACTIVE.has(row.metric)) continue
        const [dow, hour] = row.key.split(':').map(Number)
        if (dow === undefined || hour === undefined) continue
        const cell = dow * 24 + hour
        cells[cell] = (cells[cell] ?? 0) + row.count
        total += row.count
      }
      return {
        days,
        from: isoDay(from),
        to: isoDay(new Date(to.getTime() - DAY_MS)),
        timezone: 'UTC',
        items: cells.map((count, i) => ({ dayOfWeek: Math.floor(i / 24), hour: i % 24, count })),
        total,
      }
    },

    /** `GET /analytics/agents/usage`: per agent over the UTC days `[from, to)` covers, busiest first. */
    async usage(ctx: RequestContext, query: UsageQuery): Promise<UsageView> {
      const now = deps.clock()
      const to = query.to === undefined ? now : new Date(query.to)
      const from = query.from === undefined ? new Date(to.getTime() - DEFAULT_DAYS * DAY_MS) : new Date(query.from)
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new IdpError('VALIDATION_ERROR', 'from and to must be RFC 3339 date-times')
      if (from >= to) throw new IdpError('VALIDATION_ERROR', 'from must be before to')
      if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw new IdpError('VALIDATION_ERROR', `the range must not exceed ${MAX_RANGE_DAYS} days`)
      const organizationId = ctx.auth.organizationId
      // Whole UTC days: those that start before `to` and end after `from`.
      const rows = await repo().byAgent(organizationId, dayOf(from), new Date(Math.ceil(to.getTime() / DAY_MS) * DAY_MS))
      const agents = new Map<string, Totals>()
      for (const r of rows) {
        let t = agents.get(r.agentId)
        if (t === undefined) agents.set(r.agentId, (t = zeroTotals()))
        t[TOTAL_FIELDS[r.metric]] += r.count
      }
      const busy = (t: Totals) => t.tokensIssued + t.tokenExchanges + t.apiCalls
      const ranked = [...agents.entries()]
        .sort(([a, ta], [b, tb]) => busy(tb) - busy(ta) || (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, query.limit ?? 100)
      const last = await repo().lastActive(organizationId, ranked.map(([id]) => id))
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        agents: agents.size,
        items: ranked.map(([agentId, t]) => ({
          agentId,
          tokensIssued: t.tokensIssued,
          tokenExchanges: t.tokenExchanges,
          apiCalls: t.apiCalls,
          failedAuthentications: t.failedAuthentications,
          delegations: t.delegations,
          credentialChanges: t.credentialChanges,
          lastActiveAt: last.get(agentId)?.toISOString() ?? null,
        })),
      }
    },

    /** `GET /analytics/summary`: totals of the last 24 hours and 30 days, and active agents. */
    async summary(ctx: RequestContext): Promise<SummaryView> {
      const now = deps.clock()
      const organizationId = ctx.auth.organizationId
      const end = new Date(hourOf(now).getTime() + HOUR_MS)
      const dayStart = new Date(end.getTime() - 24 * HOUR_MS)
      const monthStart = new Date(end.getTime() - DEFAULT_DAYS * DAY_MS)
      const last24Hours = zeroTotals()
      const last30Days = zeroTotals()
      // One read for both windows, so that the day's figures never exceed the month's when the
      // aggregator commits between two reads.
      for (const row of await repo().hourly(organizationId, monthStart, end)) {
        const field = TOTAL_FIELDS[row.metric]
        last30Days[field] += row.count
        if (row.hour.getTime() >= dayStart.getTime()) last24Hours[field] += row.count
      }
      // Over the UTC days the window touches (per-agent figures are daily). The shorter window is
      // read first: aggregates only grow, so the month's count read after it is never smaller.
      const active = async (from: Date) =>
        new Set((await repo().byAgent(organizationId, from, end)).filter((r) => ACTIVE.has(r.metric) && r.count > 0).map((r) => r.agentId)).size
      const activeDay = await active(dayStart)
      const activeMonth = await active(monthStart)
      return {
        generatedAt: now.toISOString(),
        last24Hours,
        last30Days,
        activeAgents: { last24Hours: activeDay, last30Days: activeMonth },
        liveAgents: await deps.storage.agents.countLive(organizationId),
      }
    },
  }
}

/** The analytics service. */
export type AnalyticsService = ReturnType<typeof createAnalyticsService>

export { METRICS }
