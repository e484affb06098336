/** The Redis ephemeral store and rate limiter pass the core contract suites on a real Redis. */
import { describeEphemeralContract, describeRateLimiterContract, serviceReachable } from '@sentryagent/core/testing'
import { describe } from 'vitest'
import { createRedisEphemeralStore, createRedisRateLimiterFactory } from '../src/index.js'
import { REDIS_URL, dropPrefix, probeRedis, randomPrefix } from './private-redis.js'

const reachable = await serviceReachable('redis', probeRedis)

if (reachable) {
  describeEphemeralContract('redis', async () => {
    const keyPrefix = randomPrefix()
    const store = createRedisEphemeralStore({ url: REDIS_URL, keyPrefix })
    const peer = createRedisEphemeralStore({ url: REDIS_URL, keyPrefix })
    return {
      store,
      peer,
      async teardown() {
        await store.close()
        await peer.close()
        await dropPrefix(keyPrefix)
      },
    }
  })

  describeRateLimiterContract('redis', async () => {
    const keyPrefix = randomPrefix()
    const factories = [createRedisRateLimiterFactory({ url: REDIS_URL, keyPrefix }), createRedisRateLimiterFactory({ url: REDIS_URL, keyPrefix })]
    let i = 0
    return {
      // Alternate between two connections: limiters of one policy share counters through Redis only.
      create: (policy) => (factories[i++ % 2] ?? factories[0]!).create(policy),
      shared: true,
      async teardown() {
        for (const f of factories) await f.close()
        await dropPrefix(keyPrefix)
      },
    }
  })
} else {
  describe.skip('redis: not reachable (set REDIS_URL; CI=true makes this a failure)', () => undefined)
}
