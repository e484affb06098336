/**
 * In-process fixed-window {@link RateLimiter}: the default for a single node. Each key holds its
 * window start and consumed points; expired windows are dropped lazily and in a sweep every 1,000
 * calls, so memory stays bounded by the keys active in one window.
 *
 * @module
 */
import { IdpError } from '../errors.js'
import { rateLimitPolicyProblems, type RateLimiter, type RateLimitPolicy, type RateLimitResult } from '../ports/rate-limiter.js'

/** Options of {@link createMemoryRateLimiter}: the policy, plus a clock for tests. */
export interface MemoryRateLimiterOptions extends RateLimitPolicy {
  /** @default () => Date.now() */
  nowMs?: () => number
}

/**
 * Creates an in-process fixed-window rate limiter.
 *
 * @example
 * const limiter = createMemoryRateLimiter({ name: 'rest', points: 100, durationSeconds: 60 })
 * const r = await limiter.consume(`client:${clientId}`)
 * if (!r.allowed) reply.header('retry-after', String(r.retryAfterSeconds))
 * @throws {IdpError} CONFIG_INVALID when the policy is invalid.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): RateLimiter {
  const problems = rateLimitPolicyProblems(options)
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const policy: RateLimitPolicy = Object.freeze({ name: options.name, points: options.points, durationSeconds: options.durationSeconds })
  const nowMs = options.nowMs ?? (() => Date.now())
  const windowMs = policy.durationSeconds * 1000
  const windows = new Map<string, { startMs: number; consumed: number }>()
  let calls = 0

  const current = (key: string, now: number) => {
    const w = windows.get(key)
    if (w === undefined || now - w.startMs >= windowMs) {
      windows.delete(key)
      return undefined
    }
    return w
  }
  const result = (consumed: number, startMs: number, now: number, allowed: boolean): RateLimitResult => {
    const resetSeconds = Math.max(0, Math.ceil((startMs + windowMs - now) / 1000))
    return {
      allowed,
      limit: policy.points,
      remaining: Math.max(0, policy.points - consumed),
      resetSeconds,
      retryAfterSeconds: allowed ? 0 : Math.max(1, resetSeconds),
    }
  }

  return {
    policy,
    async consume(key, points = 1) {
      const now = nowMs()
      if (++calls % 1000 === 0) for (const k of windows.keys()) current(k, now)
      const w = current(key, now) ?? { startMs: now, consumed: 0 }
      w.consumed += points
      windows.set(key, w)
      return result(w.consumed, w.startMs, now, w.consumed <= policy.points)
    },
    async peek(key) {
      const now = nowMs()
      const w = current(key, now)
      if (w === undefined) return result(0, now, now, true)
      return result(w.consumed, w.startMs, now, w.consumed < policy.points)
    },
    async reset(key) {
      windows.delete(key)
    },
  }
}
