/**
 * JSON Schemas of the analytics endpoints (validated by the binding, documented in OpenAPI).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'

const strict = { additionalProperties: false } as const
const DateTime = Type.String({ format: 'date-time' })
const Day = Type.String({ format: 'date', description: 'UTC day, YYYY-MM-DD' })
const Count = Type.Integer({ minimum: 0 })

export const DaysQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 30, description: 'UTC days ending today (1–90)' })) },
  strict,
)
export type DaysQuery = Static<typeof DaysQuery>

export const UsageQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Start (inclusive, rounded down to its UTC day); default `to` − 30 days' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'End (exclusive, rounded up to a UTC day); default now. At most 90 days after `from`' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Most agents listed, busiest first' })),
  },
  strict,
)
export type UsageQuery = Static<typeof UsageQuery>

export const Totals = Type.Object(
  {
    tokensIssued: Count,
    tokenExchanges: Count,
    failedAuthentications: Count,
    apiCalls: Count,
    delegations: Count,
    credentialChanges: Count,
  },
  strict,
)
export type Totals = Static<typeof Totals>

export const TokenDay = Type.Object({ date: Day, issued: Count, exchanged: Count, failedAuthentications: Count }, strict)

export const TokenSeriesView = Type.Object(
  {
    days: Type.Integer(),
    from: Day,
    to: Day,
    items: Type.Array(TokenDay),
    totals: Type.Object({ issued: Count, exchanged: Count, failedAuthentications: Count }, strict),
  },
  { $id: 'AnalyticsTokenSeries', ...strict },
)
export type TokenSeriesView = Static<typeof TokenSeriesView>

export const ActivityView = Type.Object(
  {
    days: Type.Integer(),
    from: Day,
    to: Day,
    timezone: Type.Literal('UTC'),
    items: Type.Array(
      Type.Object(
        {
          dayOfWeek: Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday … 6 = Saturday (UTC)' }),
          hour: Type.Integer({ minimum: 0, maximum: 23 }),
          count: Count,
        },
        strict,
      ),
      { description: '168 cells, dayOfWeek then hour' },
    ),
    total: Count,
  },
  { $id: 'AnalyticsActivity', ...strict },
)
export type ActivityView = Static<typeof ActivityView>

export const AgentUsage = Type.Object(
  {
    agentId: Type.String(),
    tokensIssued: Count,
    tokenExchanges: Count,
    apiCalls: Count,
    failedAuthentications: Count,
    delegations: Count,
    credentialChanges: Count,
    lastActiveAt: Type.Union([DateTime, Type.Null()]),
  },
  strict,
)

export const UsageView = Type.Object(
  { from: DateTime, to: DateTime, agents: Type.Integer({ description: 'Agents with any count in the range' }), items: Type.Array(AgentUsage) },
  { $id: 'AnalyticsAgentUsage', ...strict },
)
export type UsageView = Static<typeof UsageView>

export const SummaryView = Type.Object(
  {
    generatedAt: DateTime,
    last24Hours: Totals,
    last30Days: Totals,
    activeAgents: Type.Object({ last24Hours: Count, last30Days: Count }, { ...strict, description: 'Agents with activity in the UTC days the window touches' }),
    liveAgents: Count,
  },
  { $id: 'AnalyticsSummary', ...strict },
)
export type SummaryView = Static<typeof SummaryView>
