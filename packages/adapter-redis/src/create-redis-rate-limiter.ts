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

/**
 * The open window of a rate-limiter-flexible key, as its own `get()` reports it, or `null` when no
 * window is open. Read with two plain commands rather than rate-limiter-flexible's `get()`, a MULTI
 * transaction: plain commands are auto-pipelined with every concurrent request's, so a peek on each
 * token request adds no write of its own. A read needs no atomicity: a window that ends between the
 * two commands reads as ended (PTTL -2) or, at worst, as its last count for an instant.
 */
async function readWindow(conn: RedisConnection, windowKey: string, points: number): Promise<RateLimiterRes | null> {
  // As the limiter's own `rejectIfRedisNotReady`: fail over at once while reconnecting.
  if (conn.client.status !== 'ready') throw new Error(`Redis is not ready (${conn.client.status})`)
  const [count, pttl] = await Promise.all([conn.client.get(windowKey), conn.client.pttl(windowKey)])
  const consumed = Number(count)
  if (count === null || pttl === -2 || !Number.isSafeInteger(consumed)) return null
  return new RateLimiterRes(Math.max(0, points - consumed), pttl, consumed, false)
}

function createLimiter(conn: RedisConnection, policy: RateLimitPolicy): RateLimiter {
  const problems = rateLimitPolicyProblems(policy)
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const failMode = policy.failMode ?? 'insurance'
  const insurance = failMode === 'insurance' ? new RateLimiterMemory({ points: policy.points, duration: policy.durationSeconds }) : undefined
  const limiter = new RateLimiterRedis({
    storeClient: conn.client,
    keyPrefix: `${conn.prefix}rl:${policy.name}`,
    points: policy.points,
    duration: policy.durationSeconds,
    // Not ready (reconnecting) → fail over at once instead of waiting.
    rejectIfRedisNotReady: true,
    ...(insurance === undefined ? {} : { insuranceLimiter: insurance }),
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
      let res: RateLimiterRes | null
      try {
        res = await readWindow(conn, limiter.getKey(key), policy.points)
      } catch (err) {
        // As rate-limiter-flexible's own reads do: while Redis is away, the insurance limiter (which
        // counted the consumptions meanwhile) answers.
        if (insurance === undefined) return backendFailed(err)
        res = await insurance.get(key)
      }
      return res === null ? toResult(policy, null, true) : toResult(policy, res, res.consumedPoints < policy.points)
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
