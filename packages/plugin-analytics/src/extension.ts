/**
 * The core half of the analytics plugin: its scope, its tables, the outbox consumer that keeps the
 * hourly aggregates, and the `beforeRequest` hook that counts API calls.
 *
 * Exactness: the consumer's handler adds a batch's counts through `tx`, the transaction that also
 * advances its cursor, so a batch is counted exactly once — a crash before commit rolls both back
 * and the batch is delivered again; two processes never hold the same organization's cursor at
 * once. A new consumer's cursor starts at the beginning of each organization's log: the first start
 * backfills every retained event.
 *
 * @module
 */
import type { AuditConsumer, ExtensionApi, IdpExtension, Logger, RequestContext } from '@sentryagent/core'
import { ACTION_METRICS, ACTIVITY_METRICS, COUNTED_ACTIONS, sortedRows, tally, type HourlyCount, type Metric } from './metrics.js'
import { analyticsRepository, analyticsStorage } from './storage.js'

/** Options of the analytics plugin. */
export interface AnalyticsOptions {
  /** Events per consumer transaction. @default 1000 */
  batchSize?: number
  /** How often the consumer polls when nothing nudges it. @default 1000 */
  pollIntervalMs?: number
  /** Count authenticated REST requests as `api_calls`. @default true */
  countApiCalls?: boolean
}

/** The consumer id (its cursor rows in `audit_consumers`). */
export const CONSUMER_ID = 'analytics.rollup'
const ACTIVE: ReadonlySet<Metric> = new Set(ACTIVITY_METRICS)

/** How long counted API calls wait to be written together (see {@link createApiCallCounter}). */
export const API_CALL_COALESCE_MS = 100

/**
 * Counts API calls in memory and writes them in the background: the first call counted after a
 * write schedules the next one {@link API_CALL_COALESCE_MS} later, and every call counted until
 * then joins it — at most ten upserts a second, whatever the request rate. (Writing again as soon
 * as the previous write finished kept one transaction in flight at all times under load: on
 * PostgreSQL the bench profile put it above the agent read of a protected call itself.) A call is
 * counted before its handler runs; a crash loses the calls of the write in flight and of the last
 * {@link API_CALL_COALESCE_MS} ms.
 */
function createApiCallCounter(api: () => ExtensionApi, log: () => Logger | undefined) {
  let pending = new Map<string, HourlyCount>()
  let seen = new Map<string, { agentId: string; at: Date }[]>()
  let flushing: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  const write = async () => {
    const rows = sortedRows(pending)
    const touched = seen
    pending = new Map()
    seen = new Map()
    try {
      await api().transaction(async (tx) => {
        await analyticsRepository(tx).add(rows)
        for (const [organizationId, agents] of touched) await analyticsRepository(tx).touch(organizationId, agents)
      })
    } catch (err) {
      log()?.warn({ err, rows: rows.length }, 'analytics: API-call counts could not be written and were dropped')
    }
  }
  const run = () => {
    timer = undefined
    if (flushing !== undefined || pending.size === 0) return
    flushing = write().finally(() => {
      flushing = undefined
      if (pending.size > 0) schedule()
    })
  }
  function schedule() {
    if (timer !== undefined || flushing !== undefined) return
    timer = setTimeout(run, API_CALL_COALESCE_MS)
    timer.unref()
  }

  return {
    count(ctx: RequestContext, at: Date) {
      const agentId = ctx.auth.principal === undefined || ctx.auth.principal.kind === 'agent' ? ctx.auth.agentId : ''
      tally(pending, ctx.auth.organizationId, agentId, at, 'api_calls')
      if (agentId !== '') {
        const list = seen.get(ctx.auth.organizationId) ?? []
        list.push({ agentId, at })
        seen.set(ctx.auth.organizationId, list)
      }
      schedule()
    },
    /** Resolves once every counted call is written (a scheduled write runs at once). */
    async settle() {
      while (timer !== undefined || flushing !== undefined || pending.size > 0) {
        if (timer !== undefined) clearTimeout(timer)
        run()
        if (flushing !== undefined) await flushing
        else break
      }
    },
  }
}

/** Builds the extension; `handle` gives the plugin's other halves the api and the consumer. */
export function createAnalyticsExtension(options: AnalyticsOptions = {}) {
  let api: ExtensionApi | undefined
  let consumer: AuditConsumer | undefined
  const ready = (): ExtensionApi => {
    if (api === undefined) throw new Error('analytics: the IdP has not initialised the extension')
    return api
  }
  const apiCalls = createApiCallCounter(ready, () => api?.log)

  const extension: IdpExtension = {
    id: 'analytics',
    scopes: ['analytics:read'],
    storage: analyticsStorage,
    hooks:
      options.countApiCalls === false
        ? {}
        : {
            beforeRequest: ({ ctx }) => {
              if (api !== undefined) apiCalls.count(ctx, api.clock())
            },
          },
    init(a) {
      api = a
      consumer = a.audit.consume(
        CONSUMER_ID,
        async (events, tx) => {
          const rows = new Map<string, HourlyCount>()
          const seen: { agentId: string; at: Date }[] = []
          for (const e of events) {
            const metric = ACTION_METRICS[e.action]
            tally(rows, e.organizationId, e.agentId ?? '', e.timestamp, metric)
            if (e.agentId !== null && ACTIVE.has(metric)) seen.push({ agentId: e.agentId, at: e.timestamp })
          }
          const organizationId = events[0]?.organizationId
          await analyticsRepository(tx).add(sortedRows(rows))
          if (organizationId !== undefined && seen.length > 0) await analyticsRepository(tx).touch(organizationId, seen)
        },
        { actions: COUNTED_ACTIONS, batchSize: options.batchSize ?? 1000, pollIntervalMs: options.pollIntervalMs ?? 1000 },
      )
    },
  }

  return {
    extension,
    api: ready,
    /** Aggregates everything pending now (every organization) and writes the counted API calls. */
    async drain(): Promise<number> {
      await apiCalls.settle()
      return consumer === undefined ? 0 : consumer.drain()
    },
  }
}
