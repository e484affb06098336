/**
 * Redis outages on a private redis-server: commands fail fast as DEPENDENCY_UNAVAILABLE, each
 * limiter applies its fail mode (insurance / open / closed), and everything recovers on its own.
 */
import { isIdpError } from '@sentryagent/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisEphemeralStore, createRedisRateLimiterFactory } from '../src/index.js'
import { privateRedis, redisServerInstalled, type PrivateRedis } from './private-redis.js'

async function eventually(check: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (await check().catch(() => false)) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return false
}

describe.runIf(redisServerInstalled)('redis outage and recovery', () => {
  let redis: PrivateRedis
  beforeAll(async () => {
    redis = await privateRedis()
  })
  afterAll(async () => {
    await redis.stop()
  })

  it('fails fast, applies each fail mode, and recovers when Redis returns', async () => {
    const store = createRedisEphemeralStore({ url: redis.url, keyPrefix: 'fm:' })
    const limits = createRedisRateLimiterFactory({ url: redis.url, keyPrefix: 'fm:' })
    const insured = limits.create({ name: 'insured', points: 2, durationSeconds: 60 })
    const open = limits.create({ name: 'open', points: 1, durationSeconds: 60, failMode: 'open' })
    const closed = limits.create({ name: 'closed', points: 1, durationSeconds: 60, failMode: 'closed' })
    const rotations: string[] = []
    const peer = createRedisEphemeralStore({ url: redis.url, keyPrefix: 'fm:' })
    await peer.subscribe?.('keys', (m) => rotations.push(m))
    try {
      await store.set('revoked:a', '1', 60)
      expect((await open.consume('k')).allowed).toBe(true)
      expect((await open.consume('k')).allowed).toBe(false)

      await redis.stop()
      await expect(store.get('revoked:a')).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))
      await expect(store.ping()).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))
      // insurance: counted in process while Redis is away
      expect((await insured.consume('c')).allowed).toBe(true)
      expect((await insured.consume('c')).allowed).toBe(true)
      expect((await insured.consume('c')).allowed).toBe(false)
      // …and a peek reads that in-process count (a brute-force gate stays shut during the outage).
      expect(await insured.peek('c')).toMatchObject({ allowed: false, remaining: 0, limit: 2 })
      expect(await insured.peek('untouched')).toMatchObject({ allowed: true, remaining: 2 })
      // open: allowed; closed: 503
      expect((await open.consume('k')).allowed).toBe(true)
      expect((await open.peek('k')).allowed).toBe(true)
      await expect(closed.consume('k')).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))
      await expect(closed.peek('k')).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))

      await redis.start()
      expect(await eventually(async () => (await store.ping(), true), 10_000)).toBe(true)
      // A fresh server (no persistence): state is gone, and the limiters count in Redis again.
      expect(await store.get('revoked:a')).toBeNull()
      expect(await eventually(async () => (await closed.consume('fresh')).allowed, 10_000)).toBe(true)
      expect((await closed.consume('fresh')).allowed).toBe(false)
      // The subscriber re-subscribed on its own.
      expect(
        await eventually(async () => {
          await store.publish?.('keys', 'after-outage')
          return rotations.includes('after-outage')
        }, 10_000),
      ).toBe(true)
    } finally {
      await store.close()
      await peer.close()
      await limits.close()
    }
  })
})
