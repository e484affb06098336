/**
 * `@sentryagent/adapter-redis`: the core `EphemeralStore` (revocation and replay caches, counters,
 * publish/subscribe) and `RateLimiter` on Redis or Redis Cluster, through ioredis and
 * rate-limiter-flexible.
 *
 * @module
 */
export { createRedisEphemeralStore } from './create-redis-ephemeral-store.js'
export type { RedisEphemeralStore, RedisEphemeralStoreOptions } from './create-redis-ephemeral-store.js'
export { createRedisRateLimiter, createRedisRateLimiterFactory } from './create-redis-rate-limiter.js'
export type { RedisRateLimiterFactory, RedisRateLimiterOptions } from './create-redis-rate-limiter.js'
export type { RedisClient, RedisConnectionOptions } from './internal/redis-connection.js'
