/**
 * Builds the production-operations ports of the reference server from {@link OpsConfig}: the
 * ephemeral store (Redis or in process), the rate limiter factory (Redis, sharing the connection,
 * or in process), the key store (Vault Transit or the local encrypted store), and the scheduled
 * key rotation timer.
 *
 * @module
 */
import { createRedisEphemeralStore, createRedisRateLimiterFactory } from '@sentryagent/adapter-redis'
import { createVaultKeyStore } from '@sentryagent/adapter-vault'
import { createLocalKeyStore, createMemoryEphemeralStore, type EphemeralStore, type Idp, type KeyStore, type Storage } from '@sentryagent/core'
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

/**
 * Starts the scheduled rotation check (every `min(interval / 10, 1 h)`); returns a function that
 * stops it. Several processes may run it: core rotates under a lock in the ephemeral store.
 */
export function startKeyRotationSchedule(idp: Idp, ops: OpsConfig, log: Logger): () => void {
  if (ops.keyRotationIntervalSeconds === 0) return () => undefined
  const everyMs = Math.min(ops.keyRotationIntervalSeconds * 100, 3_600_000)
  const timer = setInterval(() => {
    idp.signingKeys
      .rotateIfDue({ intervalSeconds: ops.keyRotationIntervalSeconds, lockSeconds: ops.keyActivationDelaySeconds + 60 })
      .then((r) => {
        if (r !== null) log.info({ kid: r.kid, activatesAt: r.activatesAt }, 'scheduled signing key rotation')
      })
      .catch((err: unknown) => log.error({ err }, 'scheduled key rotation failed'))
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
