/**
 * The ONLY reader of `process.env` in the project. Maps the environment to a frozen
 * {@link ServerConfig}, listing every problem at once. With no environment at all the server runs on
 * embedded defaults: PGlite under `./data`, in-process ephemeral state, a local key store whose
 * master key is generated into `./data` on first start.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `PORT` | `3000` | TCP port |
 * | `HOST` | `127.0.0.1` | interface to bind (`0.0.0.0` in containers) |
 * | `ISSUER` | `http://localhost:$PORT` | issuer URL: tokens' `iss` and `aud`, discovery base, did:web host. Set it whenever several processes share a database (a warning says so at start) |
 * | `DATA_DIR` | `./data` | embedded database, generated master key, bootstrap credentials |
 * | `DATABASE_URL` | — | PostgreSQL connection string; unset = embedded storage chosen by `STORAGE` |
 * | `STORAGE` | `pglite` | embedded storage when `DATABASE_URL` is unset: `pglite` (in `$DATA_DIR/pglite`) or `memory` (NOTHING persists: benchmarks and demos only) |
 * | `PGLITE_WORKER` | `true` | run embedded PGlite in a worker thread that owns the database, off the event loop (`false`: in the server's thread) |
 * | `DATABASE_SCHEMA` | — | PostgreSQL schema to use (created if missing) |
 * | `DATABASE_POOL_SIZE` | `10` | pg pool size |
 * | `DATABASE_CONNECTION_TIMEOUT_MS` | `5000` | pg connect timeout |
 * | `DATABASE_QUERY_TIMEOUT_MS` | `5000` | bound on every statement: PostgreSQL cancels it (`statement_timeout`); with no reply 500 ms later (partition) the connection is discarded; the request answers 503 (0 = none) |
 * | `SENTRYAGENT_MASTER_KEY` | generated into `$DATA_DIR/master.key` | encrypts signing keys at rest (≥ 32 chars) |
 * | `SENTRYAGENT_BOOTSTRAP_CLIENT_ID` / `_SECRET` | generated | platform administrator client created on first start |
 * | `ACCESS_TOKEN_TTL_SECONDS` | `3600` | access token lifetime |
 * | `AUDIT_RETENTION_DAYS` | `90` | audit events older than this are purged (0 = keep forever) |
 * | `AUDIT_CHECKPOINT_INTERVAL_SECONDS` | `300` | how often each moved audit log is sealed by a signed checkpoint (0 = only on demand) |
 * | `LOG_LEVEL` | `info` | pino level |
 * | `TLS_CERT_FILE` / `TLS_KEY_FILE` | — | PEM certificate and key: serve HTTPS directly (did:web resolvers fetch over https) |
 * | `PLUGINS` | every known plugin enabled by default | comma list of plugins to install (`none` for none); a plugin not listed is absent: its routes answer 404 and its scopes are not advertised. `billing` is enabled by default only when `STRIPE_SECRET_KEY` is set |
 * | `CORS_ORIGINS` | — (no CORS) | comma-separated browser origins allowed to call the API (`https://console.example.com`); exact origins only, no `*` |
 *
 * Redis, Vault, key rotation and rate-limit variables: see `ops-config.ts`.
 *
 * @module
 */
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
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Plugins to install by name (`PLUGINS`); `undefined` = every known plugin enabled by default. */
  readonly plugins: readonly string[] | undefined
  /** PEM files to serve HTTPS with; both or neither. */
  readonly tlsCertFile: string | undefined
  readonly tlsKeyFile: string | undefined
  /** Browser origins allowed by CORS; empty = CORS off. */
  readonly corsOrigins: readonly string[]
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
    logLevel: logLevel as ServerConfig['logLevel'],
    plugins,
    tlsCertFile,
    tlsKeyFile,
    corsOrigins: Object.freeze(corsOrigins),
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(config)
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
  return warnings
}
