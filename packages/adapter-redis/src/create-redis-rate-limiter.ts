/**
 * `RateLimiter` on Redis with rate-limiter-flexible: one fixed window per key shared by every
 * process, counted atomically by a Lua script. While Redis is unreachable the policy's fail mode
 * applies: an in-memory insurance limiter (`insurance`, the default), allow (`open`) or reject with
 * `DEPENDENCY_UNAVAILABLE` (`closed`). rate-limiter-flexible rejects with a `RateLimiterRes` when a
 * key is limited; that is translated into a result here, so no caller sees a non-`Error` rejection.
 *
 * @module
 */
import { IdpError, rateLimitPolicyProblems, type RateLimiter, type RateLimiterFactory, type RateLimitPolicy, type RateLimitResult } from '@sentryagent/core'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { openRedisConnection, type RedisConnection, type RedisConnectionOptions } from './internal/redis-connection.js'

/** Options of {@link createRedisRateLimiterFactory}: how to reach Redis. */
export type RedisRateLimiterOptions = RedisConnectionOptions

/** A factory of Redis limiters sharing one connection; `close()` releases it. */
export interface RedisRateLimiterFactory {
  /** Builds the limiter of one policy. @throws {IdpError} CONFIG_INVALID for an invalid policy. */
  readonly create: RateLimiterFactory
  close(): Promise<void>
}

function toResult(policy: RateLimitPolicy, res: RateLimiterRes | null, allowed: boolean): RateLimitResult {
  const msBeforeNext = res?.msBeforeNext ?? policy.durationSeconds * 1000
  const resetSeconds = Math.max(0, Math.ceil(msBeforeNext / 1000))
  return {
    allowed,
    limit: policy.points,
    remaining: Math.max(0, res?.remainingPoints ?? policy.points),
    resetSeconds,
    retryAfterSeconds: allowed ? 0 : Math.max(1, resetSeconds),
  }
}

function createLimiter(conn: RedisConnection, policy: RateLimitPolicy): RateLimiter {
  const problems = rateLimitPolicyProblems(policy)
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const failMode = policy.failMode ?? 'insurance'
  const limiter = new RateLimiterRedis({
    storeClient: conn.client,
    keyPrefix: `${conn.prefix}rl:${policy.name}`,
    points: policy.points,
    duration: policy.durationSeconds,
    // Not ready (reconnecting) → fail over at once instead of waiting.
    rejectIfRedisNotReady: true,
    ...(failMode === 'insurance'
      ? { insuranceLimiter: new RateLimiterMemory({ points: policy.points, duration: policy.durationSeconds }) }
      : {}),
  })

  const backendFailed = (err: unknown): RateLimitResult => {
    conn.log.warn({ err, policy: policy.name, failMode }, 'rate limiter backend unavailable')
    if (failMode === 'closed') throw new IdpError('DEPENDENCY_UNAVAILABLE', 'Rate limiter unavailable', { cause: err })
    return toResult(policy, null, true)
  }

  return {
    policy,
    async consume(key, points = 1) {
      await conn.firstReady()
      try {
        return toResult(policy, await limiter.consume(key, points), true)
      } catch (err) {
        if (err instanceof RateLimiterRes) return toResult(policy, err, false)
        return backendFailed(err)
      }
    },
    async peek(key) {
      await conn.firstReady()
      try {
        const res = await limiter.get(key)
        if (res === null) return toResult(policy, null, true)
        return toResult(policy, res, res.consumedPoints < policy.points)
      } catch (err) {
        if (err instanceof RateLimiterRes) return toResult(policy, err, false)
        return backendFailed(err)
      }
    },
    async reset(key) {
      await conn.firstReady()
      try {
        await limiter.delete(key)
      } catch (err) {
        backendFailed(err)
      }
    },
  }
}

/**
 * Connects to Redis once and returns a factory of limiters (one per policy) on that connection.
 *
 * @example
 * const limits = createRedisRateLimiterFactory({ url: process.env.REDIS_URL })
 * const rest = limits.create({ name: 'rest', points: 100, durationSeconds: 60 })
 * const { allowed, retryAfterSeconds } = await rest.consume(`client:${clientId}`)
 * @throws {IdpError} CONFIG_INVALID listing every invalid option.
 */
export function createRedisRateLimiterFactory(options: RedisRateLimiterOptions): RedisRateLimiterFactory {
  const conn = openRedisConnection(options)
  return { create: (policy) => createLimiter(conn, policy), close: () => conn.close() }
}

/**
 * A single Redis limiter for `policy` on `options`' connection (for one-off use; prefer
 * {@link createRedisRateLimiterFactory} for several policies on one connection).
 *
 * @example
 * const limiter = createRedisRateLimiter({ client, keyPrefix: 'agentidp:' }, { name: 'token-ip', points: 300, durationSeconds: 60 })
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions, policy: RateLimitPolicy): RateLimiter {
  return createLimiter(openRedisConnection(options), policy)
}
