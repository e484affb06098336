/**
 * The live daily counters of the plan limits, in the ephemeral store (Redis in production, shared by
 * every process): one key per (kind, organization, UTC day), incremented with an atomic
 * check-and-increment (`EphemeralStore.incrementBelow`, one Lua script on Redis). Keys expire
 * {@link COUNTER_GRACE_SECONDS} after their day ends — the window itself is the day in the key —
 * so that the flush job can still read a finished day.
 *
 * When the store is unreachable the counters follow the fail mode (`RATE_LIMIT_FAIL_MODE`):
 * `insurance` counts in process meanwhile (each process enforcing the limit on its own), `open`
 * admits every call, `closed` refuses with 503 `DEPENDENCY_UNAVAILABLE`. Never a 500.
 *
 * @module
 */
import { IdpError, createMemoryEphemeralStore, type EphemeralStore, type Logger } from '@sentryagent/core'
import { secondsUntilUtcMidnight, utcDay } from './window.js'

/** What the daily counters count. */
export type CounterKind = 'calls' | 'tokens'

/** What the counters do while the ephemeral store is unreachable. */
export type FailMode = 'insurance' | 'open' | 'closed'

/** How long a day's counter outlives its day (seconds), for the last flush of that day. */
export const COUNTER_GRACE_SECONDS = 3600

/** The outcome of {@link DailyCounters.consume}. */
export interface Consumed {
  /** `false` when the limit was already reached (the call is refused). */
  readonly allowed: boolean
  /** The day's count after the call; `null` when unknown (store down, fail mode `open`). */
  readonly value: number | null
}

export interface DailyCounters {
  /**
   * Counts one unit of `kind` for the organization on the day of `now`: refused (not counted) when
   * the day's count is at `limit`; `limit === null` counts without refusing (metering only).
   * @throws {IdpError} DEPENDENCY_UNAVAILABLE when the store is down and the fail mode is `closed`
   */
  consume(kind: CounterKind, organizationId: string, limit: number | null, now: Date): Promise<Consumed>
  /** The count of `day`; `null` when the store is unreachable. */
  read(kind: CounterKind, organizationId: string, day: string): Promise<number | null>
}

export const counterKey = (kind: CounterKind, organizationId: string, day: string): string => `billing:${kind}:${organizationId}:${day}`

export function createDailyCounters(store: EphemeralStore, failMode: FailMode, log: Logger): DailyCounters {
  const insurance = createMemoryEphemeralStore()
  let warned = false
  const unavailable = (err: unknown) => {
    if (!warned) log.warn({ err: err instanceof Error ? err.message : String(err), failMode }, 'billing counters: ephemeral store unreachable')
    warned = true
  }
  const count = async (s: EphemeralStore, key: string, limit: number | null, ttl: number): Promise<Consumed> => {
    if (limit === null) return { allowed: true, value: await s.increment(key, ttl) }
    const r = await s.incrementBelow(key, limit, ttl)
    return { allowed: r.incremented, value: r.value }
  }
  return {
    async consume(kind, organizationId, limit, now) {
      const key = counterKey(kind, organizationId, utcDay(now))
      const ttl = secondsUntilUtcMidnight(now) + COUNTER_GRACE_SECONDS
      try {
        const result = await count(store, key, limit, ttl)
        warned = false
        return result
      } catch (err) {
        unavailable(err)
        if (failMode === 'open') return { allowed: true, value: null }
        if (failMode === 'closed') throw new IdpError('DEPENDENCY_UNAVAILABLE', 'Plan limits cannot be checked right now', { cause: err, retryAfterSeconds: 5 })
        return count(insurance, key, limit, ttl)
      }
    },
    async read(kind, organizationId, day) {
      try {
        const v = await store.get(counterKey(kind, organizationId, day))
        return v === null ? 0 : Number(v)
      } catch {
        return null
      }
    },
  }
}
