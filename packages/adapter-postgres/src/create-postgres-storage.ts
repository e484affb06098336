/**
 * `Storage` on PostgreSQL through a `pg` pool: the production backend, shared by every server
 * process. The same SQL and migrations as {@link createPgliteStorage}.
 *
 * @module
 */
import { IdpError, silentLogger, type Logger, type Storage } from '@sentryagent/core'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database } from './database.js'
import { createGuardedPool } from './internal/guarded-pool.js'
import { createKyselyStorage } from './internal/create-kysely-storage.js'
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
  /**
   * Bound on every statement, in milliseconds; `0` = none. PostgreSQL cancels a statement running
   * longer (`statement_timeout`); when no reply arrives at all within {@link QUERY_TIMEOUT_GRACE_MS}
   * more (a network partition, lost packets), the query fails on the client side and its connection
   * is discarded, never reused. Either way the call fails with DEPENDENCY_UNAVAILABLE. Migrations
   * run without it.
   * @default 5000
   */
  queryTimeoutMs?: number | undefined
  /** `statement_timeout` of every connection, when it should differ from `queryTimeoutMs`. @default queryTimeoutMs */
  statementTimeoutMs?: number | undefined
  /**
   * Schema holding the tables, created when missing; every connection's `search_path` is set to
   * it. Lower-case letters, digits and `_`. @default the server's `search_path` (normally `public`)
   */
  schema?: string | undefined
  /** Apply pending migrations before resolving. @default true */
  migrate?: boolean | undefined
  /** Receives connection errors (a `warn` each) and one `info` line per applied migration. @default silentLogger */
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

/** Default of `queryTimeoutMs`. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5000

/**
 * How much longer than the statement timeout the client waits for a reply before it gives the
 * connection up: enough for PostgreSQL's own cancellation to arrive, so that a healthy connection
 * running a slow statement is kept.
 */
export const QUERY_TIMEOUT_GRACE_MS = 500

/** TCP keepalive of the adapter's own pool: an idle connection to a vanished server is noticed. */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000

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
  for (const key of ['connectionTimeoutMs', 'idleTimeoutMs', 'queryTimeoutMs', 'statementTimeoutMs'] as const) {
    const value = options[key]
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) problems.push(`${key} must be a non-negative integer`)
  }
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    problems.push('schema must match /^[a-z_][a-z0-9_]{0,62}$/')
  }
  return problems
}

/**
 * Session settings applied once to every connection before its first use. A `statementTimeoutMs` of
 * `0` restores the session default (the server's or role's own `statement_timeout`); `'unbounded'`
 * disables it (schema creation and migrations).
 */
function sessionSetup(schema: string | undefined, statementTimeoutMs: number | 'unbounded'): string[] {
  // Both values were validated above (identifier pattern, integer), so interpolating them is safe.
  const timeout =
    statementTimeoutMs === 'unbounded'
      ? 'set statement_timeout = 0'
      : statementTimeoutMs === 0
        ? 'set statement_timeout to default'
        : `set statement_timeout = ${statementTimeoutMs}`
  return [...(schema === undefined ? [] : [`set search_path to "${schema}"`]), timeout]
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
      // Notices a server that vanished without closing (power loss, partition) on idle connections too.
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    })
  // A client that loses its connection emits 'error' — while idle in the pool (re-emitted on the
  // pool) or while checked out, between two queries of a transaction. Unhandled, either would crash
  // the process; the query in flight, if any, fails on its own and maps to DEPENDENCY_UNAVAILABLE.
  if (owned) pool.on('error', () => undefined)
  pool.on('connect', (client) => client.on('error', (err) => logger.warn({ err }, 'postgres connection failed')))
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS
  const statementTimeoutMs = options.statementTimeoutMs ?? queryTimeoutMs
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: createGuardedPool(pool, {
        sessionSetup: sessionSetup(options.schema, statementTimeoutMs),
        queryTimeoutMs: queryTimeoutMs === 0 ? 0 : Math.max(queryTimeoutMs, statementTimeoutMs) + QUERY_TIMEOUT_GRACE_MS,
        ownsPool: owned,
      }),
    }),
  })
  // A pool passed in belongs to the caller: destroying kysely leaves it open.
  const close = () => db.destroy()
  try {
    // Creating the schema and migrating may legitimately wait or run long (another process holding
    // the migration lock, an index build), so they run on the same pool without the timeouts. This
    // view of the pool is never destroyed: the pool outlives it.
    const setupDb = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: createGuardedPool(pool, { sessionSetup: sessionSetup(options.schema, 'unbounded'), queryTimeoutMs: 0, ownsPool: false }) }),
    })
    if (options.schema !== undefined) await ensureSchema(setupDb, options.schema)
    if (options.migrate ?? true) {
      for (const name of await migrateToLatest(setupDb, { schema: options.schema })) {
        logger.info({ migration: name }, 'applied migration')
      }
    }
  } catch (err) {
    await close().catch(() => undefined)
    throw err
  }
  const max = pool.options.max ?? options.poolSize ?? 10
  return Object.freeze({
    ...createKyselyStorage(db, close),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
  })
}
