/**
 * `Storage` on PostgreSQL through a `pg` pool: the production backend, shared by every server
 * process. The same SQL and migrations as {@link createPgliteStorage}.
 *
 * @module
 */
import { IdpError, silentLogger, type Logger, type Storage } from '@sentryagent/core'
import { CompiledQuery, Kysely, PostgresDialect, sql, type DatabaseConnection } from 'kysely'
import pg from 'pg'
import type { Database } from './database.js'
import { createKyselyStorage, extensionMap } from './internal/create-kysely-storage.js'
import type { PostgresStorageExtension } from './postgres-storage-extension.js'
import { toStorageError } from './internal/storage-errors.js'
import { migrateToLatest } from './migrations/index.js'

/** Options of {@link createPostgresStorage}. Give `connectionString` or `pool`. */
export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database`; the adapter creates (and owns) a pool. */
  connectionString?: string | undefined
  /** A pool you own: `storage.close()` leaves it open. Exclusive with `connectionString` and the pool options below. */
  pool?: pg.Pool | undefined
  /** Maximum connections of the created pool. @default 10 */
  poolSize?: number | undefined
  /** How long acquiring a connection may take before the call fails. @default 5000 */
  connectionTimeoutMs?: number | undefined
  /** How long an idle connection stays open. @default 30000 */
  idleTimeoutMs?: number | undefined
  /** `statement_timeout` of every connection; a slower statement fails as DEPENDENCY_UNAVAILABLE. @default the server's */
  statementTimeoutMs?: number | undefined
  /**
   * Schema holding the tables, created when missing; every connection's `search_path` is set to
   * it. Lower-case letters, digits and `_`. @default the server's `search_path` (normally `public`)
   */
  schema?: string | undefined
  /** Storage extensions (plugins' tables): migrated after core's, served as `tx.ext(id)`. */
  extensions?: readonly PostgresStorageExtension[] | undefined
  /** Apply pending migrations (core's, then each extension's) before resolving. @default true */
  migrate?: boolean | undefined
  /** Receives idle-connection errors and one `info` line per applied migration. @default silentLogger */
  logger?: Logger | undefined
}

/** Connection-pool counters, for metrics gauges. */
export interface PoolStats {
  /** Connections open (idle + in use). */
  total: number
  /** Open connections not in use. */
  idle: number
  /** Callers waiting for a connection. */
  waiting: number
  /** The pool's maximum size. */
  max: number
}

/** The storage of {@link createPostgresStorage}: the port plus its pool's counters. */
export interface PostgresStorage extends Storage {
  /** Current pool counters (cheap; read on every metrics scrape). */
  poolStats(): PoolStats
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

function validate(options: PostgresStorageOptions): string[] {
  const problems: string[] = []
  const { connectionString, pool } = options
  if (connectionString === undefined && pool === undefined) problems.push('connectionString or pool is required')
  if (connectionString !== undefined && pool !== undefined) problems.push('give either connectionString or pool, not both')
  const ownPoolOptions = [options.poolSize, options.connectionTimeoutMs, options.idleTimeoutMs]
  if (pool !== undefined && ownPoolOptions.some((v) => v !== undefined)) {
    problems.push('poolSize, connectionTimeoutMs and idleTimeoutMs apply only to a pool the adapter creates')
  }
  if (options.poolSize !== undefined && !(Number.isInteger(options.poolSize) && options.poolSize > 0)) {
    problems.push('poolSize must be a positive integer')
  }
  for (const key of ['connectionTimeoutMs', 'idleTimeoutMs', 'statementTimeoutMs'] as const) {
    const value = options[key]
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) problems.push(`${key} must be a non-negative integer`)
  }
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    problems.push('schema must match /^[a-z_][a-z0-9_]{0,62}$/')
  }
  return problems
}

/** Session settings applied once to every new connection, before it runs anything else. */
function sessionSetup(options: PostgresStorageOptions): ((c: DatabaseConnection) => Promise<void>) | undefined {
  const statements: string[] = []
  // Both values were validated above (identifier pattern, integer), so interpolating them is safe.
  if (options.schema !== undefined) statements.push(`set search_path to "${options.schema}"`)
  if (options.statementTimeoutMs !== undefined) statements.push(`set statement_timeout = ${options.statementTimeoutMs}`)
  if (statements.length === 0) return undefined
  return async (connection) => {
    for (const statement of statements) await connection.executeQuery(CompiledQuery.raw(statement))
  }
}

/**
 * Creates `schema` when missing. `create schema if not exists` races when several processes start at
 * once (both see it missing, one fails on pg_namespace's unique index), so creation is serialised
 * with a transaction-scoped advisory lock.
 */
async function ensureSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`sentryagent.schema:${schema}`}, 0))`.execute(trx)
      await trx.schema.createSchema(schema).ifNotExists().execute()
    })
  } catch (err) {
    throw toStorageError(err)
  }
}

/**
 * Connects to PostgreSQL and returns a `Storage` on it, after creating `schema` and applying
 * pending migrations (unless `migrate: false`).
 *
 * @example
 * const storage = await createPostgresStorage({ connectionString: process.env.DATABASE_URL, schema: 'idp' })
 * await storage.ping()
 *
 * @throws {IdpError} CONFIG_INVALID listing every invalid option; DEPENDENCY_UNAVAILABLE when the
 *   server cannot be reached; INTERNAL when a migration fails.
 */
export async function createPostgresStorage(options: PostgresStorageOptions): Promise<PostgresStorage> {
  const problems = validate(options)
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const extensions = extensionMap(options.extensions)
  const logger = options.logger ?? silentLogger
  const owned = options.pool === undefined
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      application_name: 'sentryagent',
    })
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
  if (owned) pool.on('error', (err) => logger.warn({ err }, 'idle postgres connection failed'))
  const onCreateConnection = sessionSetup(options)
  const db = new Kysely<Database>({
    dialect: new PostgresDialect(onCreateConnection === undefined ? { pool } : { pool, onCreateConnection }),
  })
  // A pool passed in belongs to the caller: destroying kysely would end it.
  const close = owned ? () => db.destroy() : async () => undefined
  try {
    if (options.schema !== undefined) await ensureSchema(db, options.schema)
    if (options.migrate ?? true) {
      for (const name of await migrateToLatest(db, { schema: options.schema, extensions: [...extensions.values()] })) {
        logger.info({ migration: name }, 'applied migration')
      }
    }
  } catch (err) {
    await close().catch(() => undefined)
    throw err
  }
  const max = pool.options.max ?? options.poolSize ?? 10
  return Object.freeze({
    ...createKyselyStorage(db, close, extensions),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
  })
}
