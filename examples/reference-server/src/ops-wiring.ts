/**
 * Builds the production-operations ports of the reference server from {@link OpsConfig}: the
 * ephemeral store (Redis or in process), the rate limiter factory (Redis, sharing the connection,
 * or in process) and the key store (Vault Transit or the local encrypted store).
 *
 * @module
 */
import { createRedisEphemeralStore, createRedisRateLimiterFactory } from '@sentryagent/adapter-redis'
import { createVaultKeyStore } from '@sentryagent/adapter-vault'
import { createLocalKeyStore, createMemoryEphemeralStore, type EphemeralStore, type KeyStore, type Storage } from '@sentryagent/core'
import type { RateLimitOptions } from '@sentryagent/fastify'
import type { Logger } from 'pino'
import type { OpsConfig } from './ops-config.js'

/** What {@link createOpsPorts} builds. */
export interface OpsPorts {
  ephemeral: EphemeralStore
  keys: KeyStore
  rateLimit: RateLimitOptions | false
}

/** Builds the ephemeral store, key store and rate limits. */
export function createOpsPorts(ops: OpsConfig, storage: Storage, masterKey: string, log: Logger): OpsPorts {
  const redisLog = log.child({ component: 'redis' })
  const redis =
    ops.redisUrl !== undefined
      ? createRedisEphemeralStore({ url: ops.redisUrl, keyPrefix: ops.redisKeyPrefix, logger: redisLog })
      : ops.redisClusterNodes !== undefined
        ? createRedisEphemeralStore({ cluster: { nodes: [...ops.redisClusterNodes] }, keyPrefix: ops.redisKeyPrefix, logger: redisLog })
        : undefined
  const refreshIntervalMs = ops.keyRefreshIntervalSeconds * 1000
  const keys =
    ops.vault !== undefined
      ? createVaultKeyStore({
          vault: {
            address: ops.vault.address,
            auth: ops.vault.auth,
            namespace: ops.vault.namespace,
            timeoutMs: ops.vault.timeoutMs,
            retries: ops.vault.retries,
            logger: log.child({ component: 'vault' }),
          },
          mount: ops.vault.transitMount,
          key: ops.vault.transitKey,
          activationDelaySeconds: ops.keyActivationDelaySeconds,
          gracePeriodSeconds: ops.keyGracePeriodSeconds,
          refreshIntervalMs,
        })
      : createLocalKeyStore({
          storage,
          masterKey,
          logger: log,
          refreshIntervalMs,
          activationDelaySeconds: ops.keyActivationDelaySeconds,
          gracePeriodSeconds: ops.keyGracePeriodSeconds,
        })
  // The limiters share the ephemeral store's connection (closed with it), so limits are counted in
  // Redis and shared by every process.
  const limiterFactory = redis === undefined ? undefined : createRedisRateLimiterFactory({ client: redis.client, keyPrefix: ops.redisKeyPrefix, logger: redisLog })
  const rateLimit: RateLimitOptions | false =
    ops.rateLimit === false ? false : { ...ops.rateLimit, ...(limiterFactory === undefined ? {} : { createLimiter: limiterFactory.create }) }
  return { ephemeral: redis ?? createMemoryEphemeralStore(), keys, rateLimit }
}
