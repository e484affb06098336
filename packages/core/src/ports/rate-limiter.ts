/**
 * The rate-limiter port (SPEC §1, §6, §10): one limiter enforces one policy (so many points per
 * window) for any number of keys. In-process by default (`createMemoryRateLimiter`), Redis in
 * `@sentryagent/adapter-redis` so that every server process shares the same counters.
 *
 * @module
 */

/** What a limiter enforces. */
export interface RateLimitPolicy {
  /** Names the policy in keys, metrics and logs (`rest`, `token-client`, …): `[a-z0-9-]+`. */
  readonly name: string
  /** Points a key may consume per window (≥ 1). */
  readonly points: number
  /** Window length in seconds (≥ 1). */
  readonly durationSeconds: number
  /**
   * What a networked limiter does when its backend is unreachable: `insurance` counts in process
   * meanwhile (each process enforcing the limit on its own), `open` allows every call, `closed`
   * rejects with `DEPENDENCY_UNAVAILABLE`. In-process limiters never fail. @default 'insurance'
   */
  readonly failMode?: 'insurance' | 'open' | 'closed'
}

/** The outcome of {@link RateLimiter.consume} or {@link RateLimiter.peek}. */
export interface RateLimitResult {
  /** `false` when this call went over the limit. */
  readonly allowed: boolean
  /** The policy's points per window (`RateLimit-Limit`). */
  readonly limit: number
  /** Points left in the current window, never negative (`RateLimit-Remaining`). */
  readonly remaining: number
  /** Seconds until the window resets (`RateLimit-Reset`), ≥ 0. */
  readonly resetSeconds: number
  /** Seconds to wait before retrying (`Retry-After`); `0` when allowed. */
  readonly retryAfterSeconds: number
}

/**
 * A limiter for one {@link RateLimitPolicy}.
 *
 * Contract: `consume` and `peek` **never reject because a key is limited**; they return a result
 * with `allowed: false`. They reject only when the backend fails and the implementation is
 * configured to fail closed, with `IdpError('DEPENDENCY_UNAVAILABLE')`. Windows are fixed: the first
 * consumption of a key starts a window of `durationSeconds`; later calls never extend it.
 */
export interface RateLimiter {
  readonly policy: RateLimitPolicy
  /** Consumes `points` (default 1) for `key`. */
  consume(key: string, points?: number): Promise<RateLimitResult>
  /** The state of `key` without consuming (`allowed` is `false` when no point is left). */
  peek(key: string): Promise<RateLimitResult>
  /** Forgets `key` (e.g. after a successful authentication). */
  reset(key: string): Promise<void>
}

/** Builds a limiter for a policy; how the binding asks a backend for its limiters. */
export type RateLimiterFactory = (policy: RateLimitPolicy) => RateLimiter

/** Problems with a policy, for `CONFIG_INVALID` messages (empty when valid). */
export function rateLimitPolicyProblems(policy: RateLimitPolicy): string[] {
  const problems: string[] = []
  if (!/^[a-z0-9-]{1,40}$/.test(policy.name)) problems.push(`rate limit policy name must match [a-z0-9-]{1,40}: ${JSON.stringify(policy.name)}`)
  if (!Number.isInteger(policy.points) || policy.points < 1) problems.push(`rate limit ${policy.name}: points must be a positive integer`)
  if (!Number.isInteger(policy.durationSeconds) || policy.durationSeconds < 1) {
    problems.push(`rate limit ${policy.name}: durationSeconds must be a positive integer`)
  }
  return problems
}
