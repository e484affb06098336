/**
 * One Redis connection for the adapter: yours (`client`), or created from `url` or `cluster`
 * options. Created connections fail fast while Redis is unreachable (no offline queue, so callers
 * apply their fail mode at once instead of hanging) and reconnect on their own.
 *
 * @module
 */
import { IdpError, silentLogger, type Logger } from '@sentryagent/core'
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis'

/** A single Redis or a Redis Cluster client of ioredis. */
export type RedisClient = Redis | Cluster

/** How the adapter reaches Redis. Give exactly one of `client`, `url` or `cluster`. */
export interface RedisConnectionOptions {
  /** A client you own: `close()` leaves it open. Prefer `enableOfflineQueue: false` on it. */
  client?: RedisClient | undefined
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`; the adapter creates and owns the client. */
  url?: string | undefined
  /** Redis Cluster: startup nodes and ioredis cluster options; the adapter creates and owns the client. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions | undefined } | undefined
  /** Prefix of every key and channel. @default 'agentidp:' */
  keyPrefix?: string | undefined
  /** Connect timeout of a created client, in ms. @default 5000 */
  connectTimeoutMs?: number | undefined
  /** A command without an answer after this many ms fails (created clients). @default 2000 */
  commandTimeoutMs?: number | undefined
  /** Receives connection errors (warn) and reconnections (info). @default silentLogger */
  logger?: Logger | undefined
}

/** A resolved connection. */
export interface RedisConnection {
  readonly client: RedisClient
  readonly prefix: string
  readonly owned: boolean
  readonly log: Logger
  /** Resolves once the client has been ready once (bounded by the connect timeout). */
  firstReady(): Promise<void>
  close(): Promise<void>
}

/** Problems with connection options, for `CONFIG_INVALID`. */
export function connectionProblems(options: RedisConnectionOptions): string[] {
  const given = [options.client, options.url, options.cluster].filter((v) => v !== undefined).length
  const problems: string[] = []
  if (given !== 1) problems.push('give exactly one of client, url or cluster')
  if (options.url !== undefined && !/^rediss?:\/\//.test(options.url)) problems.push('url must start with redis:// or rediss://')
  if (options.cluster !== undefined && options.cluster.nodes.length === 0) problems.push('cluster.nodes must not be empty')
  if (options.keyPrefix !== undefined && !/^[A-Za-z0-9:_.{}-]{0,64}$/.test(options.keyPrefix)) {
    problems.push('keyPrefix must be at most 64 characters of [A-Za-z0-9:_.{}-]')
  }
  for (const key of ['connectTimeoutMs', 'commandTimeoutMs'] as const) {
    const v = options[key]
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) problems.push(`${key} must be a positive integer`)
  }
  return problems
}

/** Opens (or adopts) the client. @throws {IdpError} CONFIG_INVALID */
export function openRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const problems = connectionProblems(options)
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const log = options.logger ?? silentLogger
  const connectTimeout = options.connectTimeoutMs ?? 5000
  const base: RedisOptions = {
    // Fail fast while disconnected: the callers' fail modes (cache fallback to storage, insurance
    // limiter, 503) apply at once instead of requests queueing until Redis returns.
    enableOfflineQueue: false,
    connectTimeout,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    maxRetriesPerRequest: 1,
    // Reconnect forever with capped backoff: recovery is automatic when Redis returns.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    // Commands issued in the same event-loop turn (every concurrent request's rate-limit, replay and
    // revocation calls) go out as one write and come back in one read: far fewer syscalls under load.
    enableAutoPipelining: true,
  }
  let client: RedisClient
  if (options.client !== undefined) client = options.client
  else if (options.url !== undefined) client = new Redis(options.url, base)
  else {
    const cluster = options.cluster ?? { nodes: [] }
    client = new Cluster(cluster.nodes, { enableOfflineQueue: false, ...cluster.options, redisOptions: { ...base, ...cluster.options?.redisOptions } })
  }
  const owned = options.client === undefined
  let readyOnce = client.status === 'ready'
  let lastError = ''
  if (owned) {
    client.on('error', (err: Error) => {
      // One line per distinct error, not one per reconnect attempt.
      if (err.message !== lastError) log.warn({ err: { message: err.message }, event: 'redis.error' }, 'redis connection error')
      lastError = err.message
    })
    client.on('ready', () => {
      if (readyOnce) log.info({ event: 'redis.ready' }, 'redis connection restored')
      readyOnce = true
      lastError = ''
    })
  }
  const firstReadyPromise: Promise<void> = readyOnce
    ? Promise.resolve()
    : new Promise((resolve) => {
        const timer = setTimeout(resolve, connectTimeout)
        timer.unref()
        client.once('ready', () => {
          clearTimeout(timer)
          resolve()
        })
      })
  let closing: Promise<void> | undefined
  return {
    client,
    prefix: options.keyPrefix ?? 'agentidp:',
    owned,
    log,
    firstReady: () => firstReadyPromise,
    close() {
      closing ??= owned ? client.quit().then(() => undefined, () => client.disconnect()) : Promise.resolve()
      return closing
    },
  }
}

/** Wraps a Redis failure as the port's `DEPENDENCY_UNAVAILABLE` (the cause is logged, never rendered). */
export function redisUnavailable(cause: unknown): IdpError {
  return cause instanceof IdpError ? cause : new IdpError('DEPENDENCY_UNAVAILABLE', 'Redis unavailable', { cause })
}
