/**
 * The rate-limiter contract suite: every `RateLimiter` (memory, Redis, …) runs it, so that they
 * agree on fixed windows, atomicity and the result shape (`ports/rate-limiter.ts`).
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { RateLimiter, RateLimitPolicy } from '../ports/rate-limiter.js'

/** What a rate-limiter fixture builds. */
export interface RateLimiterFixture {
  /** Builds a limiter for `policy`; limiters built by one fixture share their counters when `shared`. */
  create(policy: RateLimitPolicy): RateLimiter
  /** `true` when two limiters of the same policy share counters (a networked backend). */
  shared: boolean
  teardown(): Promise<void>
}

/**
 * Registers the rate-limiter contract suite with vitest. `setup` must return limiters isolated from
 * every other fixture (fresh instance or random key prefix).
 *
 * @example
 * describeRateLimiterContract('memory', async () => ({
 *   create: (policy) => createMemoryRateLimiter(policy), shared: false, teardown: async () => {},
 * }))
 */
export function describeRateLimiterContract(name: string, setup: () => Promise<RateLimiterFixture>): void {
  describe(`${name}: rate limiter contract`, () => {
    const withFixture = (fn: (f: RateLimiterFixture) => Promise<void>) => async () => {
      const f = await setup()
      try {
        await fn(f)
      } finally {
        await f.teardown()
      }
    }

    it(
      'allows `points` calls per window, then denies with Retry-After and zero remaining',
      withFixture(async (f) => {
        const limiter = f.create({ name: 'basic', points: 3, durationSeconds: 60 })
        const results = []
        for (let i = 0; i < 4; i++) results.push(await limiter.consume('client-a'))
        expect(results.map((r) => r.allowed)).toEqual([true, true, true, false])
        expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0])
        const denied = results[3]
        expect(denied?.limit).toBe(3)
        expect(denied?.retryAfterSeconds).toBeGreaterThanOrEqual(1)
        expect(denied?.retryAfterSeconds).toBeLessThanOrEqual(60)
        expect(denied?.resetSeconds).toBeLessThanOrEqual(60)
        expect(results[0]?.retryAfterSeconds).toBe(0)
      }),
    )

    it(
      'is atomic: of 25 concurrent calls with 10 points, exactly 10 pass',
      withFixture(async (f) => {
        const limiter = f.create({ name: 'burst', points: 10, durationSeconds: 60 })
        const results = await Promise.all(Array.from({ length: 25 }, () => limiter.consume('k')))
        expect(results.filter((r) => r.allowed)).toHaveLength(10)
      }),
    )

    it(
      'keys and policies are independent; peek() does not consume; reset() forgets a key',
      withFixture(async (f) => {
        const a = f.create({ name: 'one', points: 2, durationSeconds: 60 })
        const b = f.create({ name: 'two', points: 2, durationSeconds: 60 })
        await a.consume('x')
        await a.consume('x')
        expect((await a.consume('x')).allowed).toBe(false)
        expect((await a.consume('y')).allowed).toBe(true)
        expect((await b.consume('x')).allowed).toBe(true)
        const peeked = await b.peek('x')
        expect(peeked).toMatchObject({ allowed: true, remaining: 1, limit: 2 })
        // When the open window ends.
        expect(peeked.resetSeconds).toBeGreaterThan(0)
        expect(peeked.resetSeconds).toBeLessThanOrEqual(60)
        const refused = await a.peek('x')
        expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 2 })
        expect(refused.retryAfterSeconds).toBeGreaterThan(0)
        expect((await b.peek('x')).remaining).toBe(1)
        expect((await a.peek('x')).allowed).toBe(false)
        await a.reset('x')
        expect(await a.peek('x')).toMatchObject({ allowed: true, remaining: 2 })
        expect((await a.consume('x')).allowed).toBe(true)
      }),
    )

    it(
      'consume(key, points) consumes several points at once',
      withFixture(async (f) => {
        const limiter = f.create({ name: 'weighted', points: 5, durationSeconds: 60 })
        expect((await limiter.consume('w', 4)).remaining).toBe(1)
        expect((await limiter.consume('w', 2)).allowed).toBe(false)
      }),
    )

    it(
      'a new window starts after durationSeconds',
      withFixture(async (f) => {
        const limiter = f.create({ name: 'window', points: 1, durationSeconds: 1 })
        expect((await limiter.consume('z')).allowed).toBe(true)
        expect((await limiter.consume('z')).allowed).toBe(false)
        const until = Date.now() + 5000
        let allowed = false
        while (!allowed && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 100))
          allowed = (await limiter.peek('z')).allowed
        }
        expect(allowed).toBe(true)
      }),
    )

    it(
      'limiters of one policy on a shared backend share their counters',
      withFixture(async (f) => {
        if (!f.shared) return
        const policy = { name: 'shared', points: 4, durationSeconds: 60 }
        const first = f.create(policy)
        const second = f.create(policy)
        await first.consume('c')
        await second.consume('c')
        await first.consume('c')
        expect((await second.consume('c')).remaining).toBe(0)
        expect((await first.consume('c')).allowed).toBe(false)
      }),
    )
  })
}
