/**
 * The ONLY reader of `process.env` in the project. Maps the environment to a frozen
 * {@link ServerConfig}, listing every problem at once. With no environment at all the server runs on
 * embedded defaults: PGlite under `./data`, in-process ephemeral state, a local key store whose
 * master key is generated into `./data` on first start.
 *
 * Every variable, its default and meaning: `CONFIG_VARIABLES` in `config-variables.ts` (the
 * configuration reference is generated from it; a test keeps it equal to what this file and
 * `ops-config.ts` read). Redis, Vault, key rotation and rate limits are parsed in `ops-config.ts`.
 *
 * @module
 */
import type { BillingOptions, StripeOptions } from '@sentryagent/plugin-billing'
import { envReader } from './env-reader.js'
import { loadOpsConfig, type OpsConfig } from './ops-config.js'

export interface ServerConfig {
  /** Redis, Vault, key rotation, rate limits (`ops-config.ts`). */
  readonly ops: OpsConfig
  readonly port: number
  readonly host: string
  readonly issuer: string
  /** `true` when `ISSUER` was not set and the issuer is the default `http://localhost:$PORT`. */
  readonly issuerIsDefault: boolean
  readonly dataDir: string
  readonly databaseUrl: string | undefined
  /** Embedded storage used when `databaseUrl` is unset; `memory` keeps nothing across restarts. */
  readonly storage: 'pglite' | 'memory'
  /** PGlite runs in a worker thread (`PGLITE_WORKER`). */
  readonly pgliteWorker: boolean
  /** PostgreSQL's `shared_buffers` of embedded PGlite (`PGLITE_SHARED_BUFFERS`); `undefined`: the adapter's 16MB. */
  readonly pgliteSharedBuffers: string | undefined
  readonly databaseSchema: string | undefined
  readonly databasePoolSize: number
  readonly databaseConnectionTimeoutMs: number
  /** Bound on each statement (`0` = none); see the adapter's `queryTimeoutMs`. */
  readonly databaseQueryTimeoutMs: number
  readonly masterKey: string | undefined
  readonly bootstrapClientId: string | undefined
  readonly bootstrapClientSecret: string | undefined
  readonly accessTokenTtlSeconds: number
  readonly auditRetentionDays: number
  readonly auditCheckpointIntervalSeconds: number
  /** `COMPLIANCE_CHECK_INTERVAL_SECONDS`: the live compliance checks' interval; 0 = never. */
  readonly complianceCheckIntervalSeconds: number
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** The web console (`@sentryagent/plugin-console`). */
  readonly console: { readonly origin: string | undefined; readonly rpId: string | undefined }
  /** Plugins to install by name (`PLUGINS`); `undefined` = every known plugin enabled by default. */
  readonly plugins: readonly string[] | undefined
  /** PEM files to serve HTTPS with; both or neither. */
  readonly tlsCertFile: string | undefined
  readonly tlsKeyFile: string | undefined
  /** Browser origins allowed by CORS; empty = CORS off. */
  readonly corsOrigins: readonly string[]
  /** `@sentryagent/plugin-federation` settings. */
  readonly federation: {
    readonly allowedIssuers: readonly string[] | undefined
    readonly maxTokenAgeSeconds: number
    readonly allowInsecureLocalhost: boolean
  }
  /** Options of the webhooks plugin (`WEBHOOKS_*`). */
  readonly webhooks: { readonly allowPrivateUrls: boolean }
  /** The billing plugin (`BILLING_ENABLED`, `TIER_ENFORCEMENT`, `STRIPE_*`). */
  readonly billing: { readonly enabled: boolean; readonly options: BillingOptions }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Thrown by {@link loadConfig} with every problem found. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

/** `PLUGINS`: a comma list of plugin names, or `none`; unset = the defaults. */
function parsePlugins(raw: string | undefined, problems: string[]): readonly string[] | undefined {
  if (raw === undefined) return undefined
  if (raw === 'none') return Object.freeze([])
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n !== '')
  const bad = names.filter((n) => !/^[a-z][a-z0-9-]{0,31}$/.test(n))
  if (bad.length > 0) problems.push(`PLUGINS must be a comma list of plugin names (or none): ${bad.join(', ')}`)
  if (new Set(names).size !== names.length) problems.push('PLUGINS names a plugin twice')
  return Object.freeze(names)
}

/**
 * Reads the configuration from an environment (default `process.env`).
 * @throws {ConfigError} listing every invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ServerConfig {
  const problems: string[] = []
  const { str, int, bool } = envReader(env, problems)

  const port = int('PORT', 3000, 0, 65_535)
  const issuer = str('ISSUER') ?? `http://localhost:${port}`
  try {
    const u = new URL(issuer)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push('ISSUER must be an http(s) URL')
  } catch {
    problems.push('ISSUER must be an http(s) URL')
  }
  const databaseUrl = str('DATABASE_URL')
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// connection string')
  }
  const storage = str('STORAGE') ?? 'pglite'
  if (storage !== 'pglite' && storage !== 'memory') problems.push('STORAGE must be pglite or memory')
  if (storage === 'memory' && databaseUrl !== undefined) problems.push('STORAGE=memory cannot be combined with DATABASE_URL')
  const schema = str('DATABASE_SCHEMA')
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    problems.push('DATABASE_SCHEMA must be a lower-case SQL identifier')
  }
  const masterKey = str('SENTRYAGENT_MASTER_KEY')
  if (masterKey !== undefined && masterKey.length < 32) problems.push('SENTRYAGENT_MASTER_KEY must be at least 32 characters')
  const bootstrapClientId = str('SENTRYAGENT_BOOTSTRAP_CLIENT_ID')
  const bootstrapClientSecret = str('SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET')
  if ((bootstrapClientId === undefined) !== (bootstrapClientSecret === undefined)) {
    problems.push('SENTRYAGENT_BOOTSTRAP_CLIENT_ID and SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET must be set together')
  }
  if (bootstrapClientSecret !== undefined && bootstrapClientSecret.length < 32) {
    problems.push('SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET must be at least 32 characters')
  }
  const tlsCertFile = str('TLS_CERT_FILE')
  const tlsKeyFile = str('TLS_KEY_FILE')
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together')
  const corsOrigins = (str('CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '')
  for (const origin of corsOrigins) if (!isOrigin(origin)) problems.push(`CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path, no "*")`)
  const logLevel = str('LOG_LEVEL') ?? 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)

  const plugins = parsePlugins(str('PLUGINS'), problems)
  const consoleOrigin = str('CONSOLE_ORIGIN')
  if (consoleOrigin !== undefined && !isOrigin(consoleOrigin)) problems.push('CONSOLE_ORIGIN must be an origin (scheme://host[:port], no path)')
  const consoleRpId = str('CONSOLE_RP_ID')
  if (consoleRpId !== undefined && !/^[a-z0-9.-]{1,253}$/.test(consoleRpId)) problems.push('CONSOLE_RP_ID must be a host name')
  const federationIssuers = str('FEDERATION_ALLOWED_ISSUERS')?.split(',').map((i) => i.trim()).filter((i) => i !== '')
  for (const issuer of federationIssuers ?? []) if (!/^https:\/\/[^\s]+$/.test(issuer)) problems.push(`FEDERATION_ALLOWED_ISSUERS: ${JSON.stringify(issuer)} is not an https URL`)
  const allowPrivateWebhooks = str('WEBHOOKS_ALLOW_PRIVATE_URLS') ?? 'false'
  if (allowPrivateWebhooks !== 'true' && allowPrivateWebhooks !== 'false') problems.push('WEBHOOKS_ALLOW_PRIVATE_URLS must be true or false')

  const billing = loadBillingConfig(env, problems, issuer.replace(/(?<!\/)\/+$/, ''), plugins)

  const pgliteSharedBuffers = str('PGLITE_SHARED_BUFFERS')
  if (pgliteSharedBuffers !== undefined && !/^[1-9][0-9]{0,6}(kB|MB|GB)$/.test(pgliteSharedBuffers)) {
    problems.push('PGLITE_SHARED_BUFFERS must be a size such as 16MB (an integer with kB, MB or GB)')
  }

  const accessTokenTtlSeconds = int('ACCESS_TOKEN_TTL_SECONDS', 3600, 60, 86_400)
  const ops = loadOpsConfig(env, problems, accessTokenTtlSeconds)
  const config: ServerConfig = {
    ops,
    port,
    host: str('HOST') ?? '127.0.0.1',
    issuer: issuer.replace(/(?<!\/)\/+$/, ''),
    issuerIsDefault: str('ISSUER') === undefined,
    dataDir: str('DATA_DIR') ?? './data',
    databaseUrl,
    storage: storage === 'memory' ? 'memory' : 'pglite',
    pgliteWorker: bool('PGLITE_WORKER', true),
    pgliteSharedBuffers,
    databaseSchema: schema,
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
    databaseConnectionTimeoutMs: int('DATABASE_CONNECTION_TIMEOUT_MS', 5000, 100, 120_000),
    databaseQueryTimeoutMs: int('DATABASE_QUERY_TIMEOUT_MS', 5000, 0, 3_600_000),
    masterKey,
    bootstrapClientId,
    bootstrapClientSecret,
    accessTokenTtlSeconds,
    auditRetentionDays: int('AUDIT_RETENTION_DAYS', 90, 0, 36_500),
    auditCheckpointIntervalSeconds: int('AUDIT_CHECKPOINT_INTERVAL_SECONDS', 300, 0, 86_400),
    complianceCheckIntervalSeconds: int('COMPLIANCE_CHECK_INTERVAL_SECONDS', 3600, 0, 86_400),
    logLevel: logLevel as ServerConfig['logLevel'],
    plugins,
    tlsCertFile,
    tlsKeyFile,
    corsOrigins: Object.freeze(corsOrigins),
    console: Object.freeze({ origin: consoleOrigin, rpId: consoleRpId }),
    federation: Object.freeze({
      allowedIssuers: federationIssuers === undefined ? undefined : Object.freeze(federationIssuers),
      maxTokenAgeSeconds: int('FEDERATION_MAX_TOKEN_AGE_SECONDS', 600, 30, 86_400),
      allowInsecureLocalhost: bool('FEDERATION_ALLOW_INSECURE_LOCALHOST', false),
    }),
    webhooks: Object.freeze({ allowPrivateUrls: allowPrivateWebhooks === 'true' }),
    billing,
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(config)
}

/** `true` for an http(s) URL. */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/** The billing plugin's variables. Its daily limits share `RATE_LIMIT_FAIL_MODE` (validated in `ops-config.ts`). */
function loadBillingConfig(
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
  issuer: string,
  plugins: readonly string[] | undefined,
): ServerConfig['billing'] {
  const { str, int, bool } = envReader(env, problems)
  const enabled = bool('BILLING_ENABLED', true)
  if (!enabled && plugins?.includes('billing') === true) problems.push('PLUGINS names billing but BILLING_ENABLED=false')
  const secretKey = str('STRIPE_SECRET_KEY')
  const url = (name: string, fallback: string): string => {
    const value = str(name) ?? fallback
    if (!isHttpUrl(value)) problems.push(`${name} must be an http(s) URL`)
    return value
  }
  const apiBase = str('STRIPE_API_BASE')
  if (apiBase !== undefined && !isHttpUrl(apiBase)) problems.push('STRIPE_API_BASE must be an http(s) URL')
  const meterEventName = str('STRIPE_METER_EVENT_NAME')
  if (meterEventName !== undefined && !/^[A-Za-z0-9_.:-]{1,100}$/.test(meterEventName)) problems.push('STRIPE_METER_EVENT_NAME must be 1-100 characters of [A-Za-z0-9_.:-]')
  const stripe: StripeOptions | undefined =
    secretKey === undefined
      ? undefined
      : {
          secretKey,
          webhookSecret: str('STRIPE_WEBHOOK_SECRET'),
          prices: { pro: str('STRIPE_PRICE_PRO'), enterprise: str('STRIPE_PRICE_ENTERPRISE') },
          successUrl: url('STRIPE_SUCCESS_URL', `${issuer}/billing/success?session_id={CHECKOUT_SESSION_ID}`),
          cancelUrl: url('STRIPE_CANCEL_URL', `${issuer}/billing/cancel`),
          portalReturnUrl: url('STRIPE_PORTAL_RETURN_URL', issuer),
          apiBase,
          meterEventName,
        }
  const options: BillingOptions = {
    enforcement: bool('TIER_ENFORCEMENT', true),
    failMode: str('RATE_LIMIT_FAIL_MODE') === 'open' ? 'open' : str('RATE_LIMIT_FAIL_MODE') === 'closed' ? 'closed' : 'insurance',
    flushIntervalMs: int('BILLING_FLUSH_INTERVAL_SECONDS', 60, 1, 86_400) * 1000,
    stripe,
  }
  return Object.freeze({ enabled, options: Object.freeze(options) })
}

/** `true` for an exact http(s) origin as browsers send it in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value)
    // WHATWG URLs accept "*" in a host name; an allow-list entry must never be a pattern.
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value && !value.includes('*')
  } catch {
    return false
  }
}

/**
 * Warnings about a configuration that starts but is probably wrong, logged once at start.
 *
 * - Shared state with the default issuer: every process derives `http://localhost:$PORT` on its
 *   own, so processes on different ports (or behind a load balancer under another name) issue
 *   tokens with different `iss`/`aud` and reject each other's.
 * - `TRUST_PROXY` as a hop count: the nearest peers are believed whatever their address, so a client
 *   that can reach the server without passing the proxies chooses its own address.
 *
 * @example
 * for (const w of startupWarnings(config)) log.warn({ event: 'config_warning' }, w)
 */
export function startupWarnings(config: ServerConfig): string[] {
  const warnings: string[] = []
  const shared = config.databaseUrl !== undefined || config.ops.redisUrl !== undefined || config.ops.redisClusterNodes !== undefined
  if (shared && config.issuerIsDefault) {
    warnings.push(
      `ISSUER is not set: this process uses ${config.issuer}; processes sharing this database or Redis with another issuer reject each other's tokens — set ISSUER to the public URL every process shares`,
    )
  }
  const proxy = config.ops.trustProxy
  if (proxy !== false && 'hops' in proxy) {
    warnings.push(
      `TRUST_PROXY=${proxy.hops} believes the ${proxy.hops} nearest peer(s) whatever their address: a client that reaches this server without passing the proxies can forge its address — prefer the proxies' addresses/CIDRs`,
    )
  }
  if (config.federation.allowInsecureLocalhost) {
    warnings.push('FEDERATION_ALLOW_INSECURE_LOCALHOST is set: federation accepts http://localhost issuers and JWKS URLs — development only, never in production')
  }
  return warnings
}
