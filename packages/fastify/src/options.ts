/**
 * Options of the `@sentryagent/fastify` plugin: one object, validated once at registration (every
 * problem listed), defaults applied, then frozen.
 *
 * @module
 */
import { IdpError, type Idp } from '@sentryagent/core'
import { corsOriginProblems, type CorsOptions } from './cors.js'
import type { PoolStatsSource } from './metrics.js'
import type { RateLimitOptions } from './rate-limit.js'
import type { SecurityHeadersOptions } from './security-headers.js'

/** Options of {@link sentryAgentIdp}. */
export interface SentryAgentIdpOptions {
  /** The identity provider to serve, from `createIdp()`. Required. */
  idp: Idp
  /** Prefix of the REST API (`/organizations`, `/agents`, …). @default '/api/v1' */
  prefix?: string
  /** Largest accepted request body in bytes; larger bodies answer 413. @default 1_048_576 (1 MiB) */
  bodyLimitBytes?: number
  /** Largest accepted body of the OAuth token, introspection and revocation endpoints; larger → 413 `invalid_request`. Never above `bodyLimitBytes`. @default 65_536 (64 KiB) */
  oauthBodyLimitBytes?: number
  /** Registers `@fastify/swagger` and serves `GET /openapi.json` (OpenAPI 3.1). @default true */
  openapi?: boolean
  /** Serves interactive API docs at `GET /docs` (needs `openapi`). @default true */
  docs?: boolean
  /** Serves Prometheus metrics at `GET /metrics`. @default true */
  metrics?: boolean
  /** Rate limits (SPEC §6, §10); `false` disables them. @default in-process limits with the defaults of `RATE_LIMIT_DEFAULTS` */
  rateLimit?: RateLimitOptions | false
  /** Database pool counters for the `agentidp_db_pool_*` gauges (e.g. `storage.poolStats` of adapter-postgres). */
  poolStats?: PoolStatsSource
  /** Browser origins allowed to call the API (`@fastify/cors`). @default { origins: [] } — no CORS */
  cors?: CorsOptions
  /** Security headers on every response (helmet's set, see `security-headers.ts`); `false` leaves them to the host. @default { hsts: issuer is https } */
  securityHeaders?: SecurityHeadersOptions | false
}

/** {@link SentryAgentIdpOptions} with every default applied. */
export interface ResolvedSentryAgentIdpOptions {
  readonly idp: Idp
  readonly prefix: string
  readonly bodyLimitBytes: number
  readonly oauthBodyLimitBytes: number
  readonly openapi: boolean
  readonly docs: boolean
  readonly metrics: boolean
  readonly rateLimit: RateLimitOptions | false
  readonly poolStats: PoolStatsSource | undefined
  readonly cors: { readonly origins: readonly string[] }
  readonly securityHeaders: Readonly<Required<SecurityHeadersOptions>> | false
}

/** Default option values of the plugin. */
export const PLUGIN_DEFAULTS = {
  prefix: '/api/v1',
  bodyLimitBytes: 1_048_576,
  oauthBodyLimitBytes: 65_536,
  openapi: true,
  docs: true,
  metrics: true,
} as const

const isIdp = (value: unknown): value is Idp =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { authenticate?: unknown }).authenticate === 'function' &&
  typeof (value as { on?: unknown }).on === 'function'

/**
 * Validates and freezes the plugin options.
 *
 * @throws {IdpError} CONFIG_INVALID listing every problem.
 */
export function resolvePluginOptions(input: SentryAgentIdpOptions): ResolvedSentryAgentIdpOptions {
  const problems: string[] = []
  if (!isIdp(input.idp)) problems.push('idp must be an Idp created by createIdp()')
  const prefix = (input.prefix ?? PLUGIN_DEFAULTS.prefix).replace(/(?<!\/)\/+$/, '')
  if (prefix !== '' && !/^\/[A-Za-z0-9/_.-]*$/.test(prefix)) {
    problems.push(`prefix must start with "/" and contain only URL path characters: ${JSON.stringify(input.prefix)}`)
  }
  const bodyLimitBytes = input.bodyLimitBytes ?? PLUGIN_DEFAULTS.bodyLimitBytes
  const oauthBodyLimitBytes = input.oauthBodyLimitBytes ?? PLUGIN_DEFAULTS.oauthBodyLimitBytes
  for (const [name, value] of [['bodyLimitBytes', bodyLimitBytes], ['oauthBodyLimitBytes', oauthBodyLimitBytes]] as const) {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be a positive integer`)
  }
  for (const key of ['openapi', 'docs', 'metrics'] as const) {
    const value: unknown = input[key]
    if (value !== undefined && typeof value !== 'boolean') problems.push(`${key} must be a boolean`)
  }
  const origins: readonly unknown[] = Array.isArray(input.cors?.origins) ? input.cors.origins : []
  if (input.cors !== undefined && !Array.isArray(input.cors.origins)) problems.push('cors.origins must be an array of origins')
  problems.push(...corsOriginProblems(origins))
  const headers: unknown = input.securityHeaders
  if (headers !== undefined && headers !== false && (typeof headers !== 'object' || headers === null)) problems.push('securityHeaders must be an object or false')
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const openapi = input.openapi ?? PLUGIN_DEFAULTS.openapi
  // HSTS only makes sense (and is only honoured) where the server is reached over https.
  const issuerIsHttps = isIdp(input.idp) && input.idp.options.issuer.startsWith('https:')
  return Object.freeze({
    idp: input.idp,
    prefix,
    bodyLimitBytes,
    // The OAuth limit never exceeds the general one.
    oauthBodyLimitBytes: Math.min(oauthBodyLimitBytes, bodyLimitBytes),
    openapi,
    docs: openapi && (input.docs ?? PLUGIN_DEFAULTS.docs),
    metrics: input.metrics ?? PLUGIN_DEFAULTS.metrics,
    rateLimit: input.rateLimit ?? {},
    poolStats: input.poolStats,
    cors: Object.freeze({ origins: Object.freeze(origins.filter((o): o is string => typeof o === 'string')) }),
    securityHeaders: input.securityHeaders === false ? false : Object.freeze({ hsts: input.securityHeaders?.hsts ?? issuerIsHttps }),
  })
}
