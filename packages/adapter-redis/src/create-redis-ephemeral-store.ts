/**
 * `EphemeralStore` on Redis (single node or Cluster): the revocation cache (TTL = the token's
 * remaining lifetime), the replay cache (SET NX), one-time values (atomic GET+DEL), fixed-window
 * counters and bounded check-and-increment (Lua), and publish/subscribe so that one process can tell all others to drop a cache
 * (key rotations) at once. Every key and channel carries the configured prefix.
 *
 * @module
 */
import type { EphemeralStore } from '@sentryagent/core'
import { defineScripts } from './lua.js'
import { openRedisConnection, redisUnavailable, type RedisClient, type RedisConnectionOptions } from './internal/redis-connection.js'

/** Options of {@link createRedisEphemeralStore}: how to reach Redis (see {@link RedisConnectionOptions}). */
export type RedisEphemeralStoreOptions = RedisConnectionOptions

/** The Redis ephemeral store: the port plus access to the client for the rate limiter. */
export interface RedisEphemeralStore extends EphemeralStore {
  /** The command client (shared with `createRedisRateLimiter({ client })`). */
  readonly client: RedisClient
  /** The key prefix in use. */
  readonly keyPrefix: string
}

const toMs = (ttlSeconds: number): number => {
  if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be > 0')
  return Math.max(1, Math.ceil(ttlSeconds * 1000))
}

/**
 * Creates the Redis ephemeral store. Commands fail with `IdpError('DEPENDENCY_UNAVAILABLE')` while
 * Redis is unreachable (core then falls back to storage, which stays the source of truth), and the
 * connection recovers on its own.
 *
 * @example
 * const ephemeral = createRedisEphemeralStore({ url: process.env.REDIS_URL, keyPrefix: 'agentidp:' })
 * const idp = createIdp({ issuer, storage, ephemeral })
 * @throws {IdpError} CONFIG_INVALID listing every invalid option.
 */
export function createRedisEphemeralStore(options: RedisEphemeralStoreOptions): RedisEphemeralStore {
  const conn = openRedisConnection(options)
  const client = defineScripts(conn.client)
  const k = (key: string) => `${conn.prefix}${key}`
  const run = async <T>(command: () => Promise<T>): Promise<T> => {
    await conn.firstReady()
    try {
      return await command()
    } catch (err) {
      throw redisUnavailable(err)
    }
  }

  // Pub/sub needs a connection of its own (a subscribed connection accepts no other commands). It
  // keeps the offline queue, so subscriptions made during an outage apply on reconnect, and ioredis
  // re-subscribes after every reconnect.
  let subscriber: RedisClient | undefined
  const listeners = new Map<string, Set<(message: string) => void>>()
  const subscriberClient = (): RedisClient => {
    if (subscriber !== undefined) return subscriber
    const sub = conn.client.duplicate()
    if ('options' in sub && 'enableOfflineQueue' in sub.options) sub.options.enableOfflineQueue = true
    sub.on('error', () => undefined) // reported by the command connection already
    sub.on('message', (channel: string, message: string) => {
      for (const listener of [...(listeners.get(channel) ?? [])]) {
        try {
          listener(message)
        } catch (err) {
          conn.log.error({ err, channel }, 'ephemeral subscriber failed')
        }
      }
    })
    subscriber = sub
    return sub
  }

  return {
    client: conn.client,
    keyPrefix: conn.prefix,
    get: (key) => run(() => client.get(k(key))),
    set: (key, value, ttlSeconds) =>
      run(async () => {
        await client.set(k(key), value, 'PX', toMs(ttlSeconds))
      }),
    setIfAbsent: (key, value, ttlSeconds) => run(async () => (await client.set(k(key), value, 'PX', toMs(ttlSeconds), 'NX')) === 'OK'),
    getAndDelete: (key) => run(() => client.agentidpGetAndDelete(k(key))),
    increment: (key, ttlSeconds) => run(async () => Number(await client.agentidpIncrementFixedWindow(k(key), toMs(ttlSeconds)))),
    async incrementBelow(key, limit, ttlSeconds) {
      if (!Number.isSafeInteger(limit)) throw new RangeError('limit must be a safe integer')
      const ttlMs = toMs(ttlSeconds)
      return run(async () => {
        const [value, incremented] = await client.agentidpIncrementBelow(k(key), limit, ttlMs)
        return { value: Number(value), incremented: Number(incremented) === 1 }
      })
    },
    delete: (key) =>
      run(async () => {
        await client.del(k(key))
      }),
    ping: () =>
      run(async () => {
        await client.ping()
      }),
    publish: (channel, message) =>
      run(async () => {
        await client.publish(k(channel), message)
      }),
    async subscribe(channel, listener) {
      const name = k(channel)
      const sub = subscriberClient()
      let set = listeners.get(name)
      if (set === undefined) {
        set = new Set()
        listeners.set(name, set)
        try {
          await sub.subscribe(name)
        } catch (err) {
          listeners.delete(name)
          throw redisUnavailable(err)
        }
      }
      const wrapped = (message: string) => listener(message)
      set.add(wrapped)
      return async () => {
        set.delete(wrapped)
        if (set.size === 0 && listeners.get(name) === set) {
          listeners.delete(name)
          await sub.unsubscribe(name).catch(() => undefined)
        }
      }
    },
    async close() {
      listeners.clear()
      const sub = subscriber
      subscriber = undefined
      if (sub !== undefined) await sub.quit().then(() => undefined, () => sub.disconnect())
      await conn.close()
    },
  }
}
