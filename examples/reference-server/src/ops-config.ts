/**
 * The production-operations part of the configuration: Redis, Vault, signing-key rotation and rate
 * limits. Parsed by `config.ts` (the only reader of `process.env`) from the environment it is given.
 *
 * Its variables are documented in `CONFIG_VARIABLES` (`config-variables.ts`, group `operations`).
 *
 * @module
 */

import { isIP } from 'node:net'
import { envReader, type Env } from './env-reader.js'

type Limit = { readonly points: number; readonly durationSeconds: number }

export interface OpsConfig {
  readonly redisUrl: string | undefined
  readonly redisClusterNodes: readonly { host: string; port: number }[] | undefined
  readonly redisKeyPrefix: string
  readonly vault:
    | {
        readonly address: string
        readonly auth: { token: string } | { appRole: { roleId: string; secretId: string } }
        readonly namespace: string | undefined
        readonly transitMount: string
        readonly transitKey: string
        readonly kvMount: string
        readonly timeoutMs: number
        readonly retries: number
      }
    | undefined
  readonly keyRefreshIntervalSeconds: number
  readonly keyActivationDelaySeconds: number
  readonly keyGracePeriodSeconds: number
  readonly keyRotationIntervalSeconds: number
  readonly rateLimit:
    | {
        readonly rest: Limit
        readonly tokenPerClient: Limit
        readonly tokenPerIp: Limit
        readonly introspectPerIp: Limit
        readonly revokePerIp: Limit
        readonly publicPerIp: Limit
        readonly authFailures: Limit
        readonly bearerFailuresPerIp: Limit
        readonly failMode: 'insurance' | 'open' | 'closed'
      }
    | false
  /**
   * Which proxies' `X-Forwarded-For` entries are believed (Fastify `trustProxy`): `false` (none: the
   * socket address is the client), the proxies' addresses / CIDRs, or `{ hops }`: the nearest `hops`
   * peers are proxies whatever their address (only safe when no client can connect directly).
   */
  readonly trustProxy: false | readonly string[] | { readonly hops: number }
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal']

/** `true` for an IPv4/IPv6 address, optionally with a CIDR prefix length, or a proxy-addr range name. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)
}

/** The largest hop count `TRUST_PROXY` accepts. */
const MAX_PROXY_HOPS = 16

/**
 * Parses `TRUST_PROXY`: the proxies' addresses, or a hop count. Refused rather than honoured:
 * `true`, which trusts every hop, so that any client chooses its own address with a forged first
 * `X-Forwarded-For` entry (bypassing per-IP limits and writing the forged address into the audit
 * log). A hop count is honoured (the `n` nearest peers are proxies) but cannot tell a proxy from a
 * client that connects directly, so {@link startupWarnings} warns about it.
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): OpsConfig['trustProxy'] {
  if (raw === undefined || raw === 'false') return false
  if (raw === 'true') {
    problems.push(
      `TRUST_PROXY=${raw} would let a client that connects directly forge its address in X-Forwarded-For; list the addresses or CIDRs of the proxies in front of the server (e.g. 10.0.0.0/8), or their number of hops`,
    )
    return false
  }
  if (/^\d{1,3}$/.test(raw)) {
    const hops = Number(raw)
    if (hops < 1 || hops > MAX_PROXY_HOPS) problems.push(`TRUST_PROXY as a hop count must be 1–${MAX_PROXY_HOPS}: ${raw}`)
    return Object.freeze({ hops })
  }
  const entries = raw.split(',').map((e) => e.trim())
  const bad = entries.filter((e) => !isProxyAddress(e))
  if (bad.length > 0) {
    problems.push(`TRUST_PROXY must be false or comma-separated proxy addresses/CIDRs (${PROXY_NAMES.join(', ')} allowed): ${bad.map((e) => JSON.stringify(e)).join(', ')}`)
  }
  return Object.freeze(entries)
}


/** Parses the operations variables; pushes every problem into `problems`. */
export function loadOpsConfig(env: Env, problems: string[], accessTokenTtlSeconds: number): OpsConfig {
  const { str, int, bool } = envReader(env, problems)

  const redisUrl = str('REDIS_URL')
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must be a redis:// or rediss:// URL')
  const clusterRaw = str('REDIS_CLUSTER_NODES')
  let redisClusterNodes: { host: string; port: number }[] | undefined
  if (clusterRaw !== undefined) {
    redisClusterNodes = clusterRaw.split(',').map((node) => {
      const m = /^([^\s:]+):(\d{1,5})$/.exec(node.trim())
      if (m === null) problems.push(`REDIS_CLUSTER_NODES: "${node}" is not host:port`)
      return { host: m?.[1] ?? '', port: Number(m?.[2] ?? 0) }
    })
    if (redisUrl !== undefined) problems.push('set REDIS_URL or REDIS_CLUSTER_NODES, not both')
  }
  const redisKeyPrefix = str('REDIS_KEY_PREFIX') ?? 'agentidp:'
  if (!/^[A-Za-z0-9:_.{}-]{0,64}$/.test(redisKeyPrefix)) problems.push('REDIS_KEY_PREFIX must be at most 64 characters of [A-Za-z0-9:_.{}-]')

  let vault: OpsConfig['vault']
  const address = str('VAULT_ADDR')
  const token = str('VAULT_TOKEN')
  const roleId = str('VAULT_ROLE_ID')
  const secretId = str('VAULT_SECRET_ID')
  if (address !== undefined) {
    if (!/^https?:\/\//.test(address)) problems.push('VAULT_ADDR must be an http(s) URL')
    if ((roleId === undefined) !== (secretId === undefined)) problems.push('VAULT_ROLE_ID and VAULT_SECRET_ID must be set together')
    if (token === undefined && roleId === undefined) problems.push('VAULT_ADDR needs VAULT_TOKEN or VAULT_ROLE_ID + VAULT_SECRET_ID')
    vault = {
      address,
      auth: token !== undefined ? { token } : { appRole: { roleId: roleId ?? '', secretId: secretId ?? '' } },
      namespace: str('VAULT_NAMESPACE'),
      transitMount: str('VAULT_TRANSIT_MOUNT') ?? 'transit',
      transitKey: str('VAULT_TRANSIT_KEY') ?? 'agentidp',
      kvMount: str('VAULT_KV_MOUNT') ?? 'secret',
      timeoutMs: int('VAULT_TIMEOUT_MS', 5000, 100, 120_000),
      retries: int('VAULT_RETRIES', 2, 0, 10),
    }
  }

  const keyRefreshIntervalSeconds = int('KEY_REFRESH_INTERVAL_SECONDS', 30, 1, 3600)
  const keyActivationDelaySeconds = int('KEY_ACTIVATION_DELAY_SECONDS', keyRefreshIntervalSeconds + 5, 0, 86_400)
  if (keyActivationDelaySeconds <= keyRefreshIntervalSeconds && str('KEY_ACTIVATION_DELAY_SECONDS') !== undefined) {
    // A shorter delay would let one process sign with a key another has not loaded yet.
    problems.push('KEY_ACTIVATION_DELAY_SECONDS must exceed KEY_REFRESH_INTERVAL_SECONDS')
  }
  const keyGracePeriodSeconds = int('KEY_GRACE_PERIOD_SECONDS', Math.max(172_800, accessTokenTtlSeconds), 60, 31_536_000)
  if (keyGracePeriodSeconds < accessTokenTtlSeconds) problems.push('KEY_GRACE_PERIOD_SECONDS must be at least ACCESS_TOKEN_TTL_SECONDS')
  const keyRotationIntervalSeconds = int('KEY_ROTATION_INTERVAL_SECONDS', 2_592_000, 0, 31_536_000)
  if (keyRotationIntervalSeconds > 0 && keyRotationIntervalSeconds < 3600) problems.push('KEY_ROTATION_INTERVAL_SECONDS must be 0 or at least 3600')

  const failMode = str('RATE_LIMIT_FAIL_MODE') ?? 'insurance'
  if (failMode !== 'insurance' && failMode !== 'open' && failMode !== 'closed') problems.push('RATE_LIMIT_FAIL_MODE must be insurance, open or closed')
  const tokenWindow = int('RATE_LIMIT_TOKEN_WINDOW_SECONDS', 60, 1, 86_400)
  const points = (name: string, fallback: number) => int(name, fallback, 1, 1_000_000)
  const window = (name: string, fallback: number) => int(name, fallback, 1, 86_400)
  const rateLimit: OpsConfig['rateLimit'] = bool('RATE_LIMIT_ENABLED', true)
    ? {
        rest: { points: points('RATE_LIMIT_REST_POINTS', 100), durationSeconds: window('RATE_LIMIT_REST_WINDOW_SECONDS', 60) },
        tokenPerClient: { points: points('RATE_LIMIT_TOKEN_CLIENT_POINTS', 600), durationSeconds: tokenWindow },
        tokenPerIp: { points: points('RATE_LIMIT_TOKEN_IP_POINTS', 1200), durationSeconds: tokenWindow },
        introspectPerIp: { points: points('RATE_LIMIT_INTROSPECT_IP_POINTS', 3000), durationSeconds: tokenWindow },
        revokePerIp: { points: points('RATE_LIMIT_REVOKE_IP_POINTS', 600), durationSeconds: tokenWindow },
        publicPerIp: { points: points('RATE_LIMIT_PUBLIC_IP_POINTS', 120), durationSeconds: window('RATE_LIMIT_PUBLIC_IP_WINDOW_SECONDS', 60) },
        authFailures: { points: points('RATE_LIMIT_AUTH_FAILURES', 10), durationSeconds: window('RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS', 300) },
        bearerFailuresPerIp: {
          points: points('RATE_LIMIT_BEARER_FAILURES', 100),
          durationSeconds: window('RATE_LIMIT_BEARER_FAILURE_WINDOW_SECONDS', 60),
        },
        failMode: failMode as 'insurance' | 'open' | 'closed',
      }
    : false

  return Object.freeze({
    redisUrl,
    redisClusterNodes,
    redisKeyPrefix,
    vault,
    keyRefreshIntervalSeconds,
    keyActivationDelaySeconds,
    keyGracePeriodSeconds,
    keyRotationIntervalSeconds,
    rateLimit,
    trustProxy: parseTrustProxy(str('TRUST_PROXY'), problems),
  })
}
