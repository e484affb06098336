/**
 * Composition of the reference server: storage (PostgreSQL or embedded PGlite), local key store,
 * core IdP, the Fastify binding, pino. `build(config)` returns a ready, not yet listening server.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer as createHttpsServer } from 'node:https'
import { join } from 'node:path'
import { createPgliteStorage, createPostgresStorage } from '@sentryagent/adapter-postgres'
import { createIdp, createMemoryStorage, type BootstrapResult, type Storage } from '@sentryagent/core'
import sentryAgentIdp, { idpServerOptions } from '@sentryagent/fastify'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactory } from 'fastify'
import type { Logger } from 'pino'
import { scheduleCoreJobs } from './core-jobs.js'
import { startupWarnings, type ServerConfig } from './config.js'
import { createLogger } from './logger.js'
import { createOpsPorts } from './ops-wiring.js'
import { createPlugins, KNOWN_PLUGINS, type PluginEntry, type ServerPlugin } from './plugins.js'
import { createServerSecretStore, serverSecretsStorage } from './secret-store.js'

/** A built server and what bootstrap did. */
export interface ReferenceServer {
  app: FastifyInstance
  bootstrap: BootstrapResult
}

/** Reads the master key from the environment, or from `$DATA_DIR/master.key` (generated once, mode 0600). */
async function resolveMasterKey(config: ServerConfig, log: Logger): Promise<string> {
  if (config.masterKey !== undefined) return config.masterKey
  const file = join(config.dataDir, 'master.key')
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch {
    const key = randomBytes(32).toString('base64url')
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' })
    log.warn({ event: 'dev_default', file }, 'generated a master key in the data directory; set SENTRYAGENT_MASTER_KEY in production')
    return key
  }
}

/**
 * Request ids: a random per-process prefix and a counter. Unique across processes with overwhelming
 * probability, without an entropy syscall per request (that showed in the benchmark profile).
 */
function requestIdGenerator(): () => string {
  const prefix = randomBytes(9).toString('base64url')
  let n = 0
  return () => `${prefix}${(n++).toString(36)}`
}

/** Fastify's `trustProxy` for `TRUST_PROXY`: the proxies' addresses, or the `n` nearest hops. */
function fastifyTrustProxy(trust: ServerConfig['ops']['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false
  // A function, not the number: Fastify 5.12 ignores a numeric `trustProxy`.
  if ('hops' in trust) return (_address, hop) => hop < trust.hops
  return [...trust]
}

async function createStorage(config: ServerConfig, log: Logger, plugins: readonly ServerPlugin[]): Promise<Storage> {
  // Each installed plugin's tables: migrated after core's, written in core's transactions.
  // The server's sealed secret store, then each installed plugin's tables.
  const extensions = [serverSecretsStorage, ...plugins.flatMap((p) => (p.storage === undefined ? [] : [p.storage]))]
  if (config.databaseUrl !== undefined) {
    return createPostgresStorage({
      extensions,
      connectionString: config.databaseUrl,
      poolSize: config.databasePoolSize,
      connectionTimeoutMs: config.databaseConnectionTimeoutMs,
      queryTimeoutMs: config.databaseQueryTimeoutMs,
      logger: log,
      ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
    })
  }
  if (config.storage === 'memory') {
    log.warn({ event: 'dev_default' }, 'STORAGE=memory: nothing persists across restarts (benchmarks and demos only)')
    return createMemoryStorage({ extensions })
  }
  log.warn({ event: 'dev_default', dataDir: config.dataDir }, 'embedded PGlite storage and in-process cache: single-node setup')
  return createPgliteStorage({ dataDir: join(config.dataDir, 'pglite'), extensions, worker: config.pgliteWorker, sharedBuffers: config.pgliteSharedBuffers })
}

/** Options of {@link build}. */
export interface BuildOptions {
  logger?: Logger
  /** The plugins the server knows (tests add fixtures). @default KNOWN_PLUGINS */
  knownPlugins?: Readonly<Record<string, PluginEntry>>
}

/** Builds the server: plugins chosen, storage migrated, keys loaded, administrator bootstrapped. */
export async function build(config: ServerConfig, options: BuildOptions = {}): Promise<ReferenceServer> {
  const log = options.logger ?? createLogger(config.logLevel)
  const plugins = await createPlugins(config, log, options.knownPlugins ?? KNOWN_PLUGINS)
  for (const warning of startupWarnings(config)) log.warn({ event: 'config_warning' }, warning)
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
  const storage = await createStorage(config, log, plugins)
  const masterKey = await resolveMasterKey(config, log)
  const ops = createOpsPorts(config.ops, storage, masterKey, log)
  const idp = createIdp({
    issuer: config.issuer,
    storage,
    ephemeral: ops.ephemeral,
    keys: ops.keys,
    secrets: createServerSecretStore(config.ops, storage, masterKey, log),
    logger: log,
    tokens: { accessTokenTtlSeconds: config.accessTokenTtlSeconds },
    extensions: plugins.map((p) => p.extension),
  })
  // did:web resolution requires https; serve it directly when a certificate is configured.
  const tls =
    config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined
      ? { cert: await readFile(config.tlsCertFile), key: await readFile(config.tlsKeyFile) }
      : undefined
  const app = Fastify({
    ...(tls === undefined ? {} : { serverFactory: ((handler) => createHttpsServer(tls, handler)) satisfies FastifyServerFactory }),
    loggerInstance: log as FastifyBaseLogger,
    // SPEC §1 request ids (a client's X-Request-Id kept only when well formed) and problem+json
    // for malformed URLs, which Fastify rejects before any route or hook runs.
    ...idpServerOptions(requestIdGenerator()),
    trustProxy: fastifyTrustProxy(config.ops.trustProxy),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  })
  const poolStats = 'poolStats' in storage && typeof storage.poolStats === 'function' ? storage.poolStats.bind(storage) : undefined
  app.addHook('onClose', async () => {
    await idp.close()
  })
  try {
    await app.register(sentryAgentIdp, {
      idp,
      rateLimit: ops.rateLimit,
      cors: { origins: config.corsOrigins },
      ...(poolStats === undefined ? {} : { poolStats }),
    })
    for (const plugin of plugins) if (plugin.fastify !== undefined) await app.register(plugin.fastify)
    scheduleCoreJobs(idp, config, log)
    const bootstrap = await idp.bootstrap({ clientId: config.bootstrapClientId, clientSecret: config.bootstrapClientSecret })
    await app.ready()
    return { app, bootstrap }
  } catch (err) {
    await app.close()
    throw err
  }
}

/** Writes generated bootstrap credentials to `$DATA_DIR/bootstrap-credentials.json` (mode 0600). */
export async function saveBootstrapCredentials(config: ServerConfig, result: BootstrapResult): Promise<string | undefined> {
  if (!result.created || result.clientSecret === undefined) return undefined
  const file = join(config.dataDir, 'bootstrap-credentials.json')
  const body = { clientId: result.clientId, clientSecret: result.clientSecret, organizationId: result.organizationId, agentId: result.agentId }
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 })
  return file
}
