/**
 * A kysely dialect over PGlite (embedded PostgreSQL in WebAssembly). It reuses kysely's Postgres
 * adapter, query compiler and introspector, so the repositories' SQL is exactly what `pg` runs.
 * PGlite has a single connection: the driver hands it to one holder at a time (a FIFO mutex), so
 * concurrent transactions queue instead of interleaving their statements.
 *
 * @module
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import { createMutex } from './internal/mutex.js'
import type { PgliteQueryable } from './pglite-worker-client.js'

function createConnection(pglite: PgliteQueryable): DatabaseConnection {
  return {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const result = await pglite.query<R>(query.sql, [...query.parameters])
      return {
        rows: result.rows,
        numAffectedRows: result.affectedRows === undefined ? undefined : BigInt(result.affectedRows),
      }
    },
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      throw new Error('The PGlite dialect does not support streaming')
    },
  }
}

function createPgliteDriver(pglite: PgliteQueryable): Driver {
  const mutex = createMutex()
  const connection = createConnection(pglite)
  let release: (() => void) | undefined

  return {
    async init() {
      await pglite.waitReady
    },

    async acquireConnection() {
      const unlock = await mutex.lock()
      release = unlock
      return connection
    },

    // Transaction control goes over the simple protocol (`exec`): one message, no parse/describe
    // round, about half the cost of a parameterised statement in PGlite.
    async beginTransaction(_conn: DatabaseConnection, settings: TransactionSettings) {
      let statement = 'start transaction'
      if (settings.isolationLevel !== undefined) statement += ` isolation level ${settings.isolationLevel}`
      if (settings.accessMode !== undefined) statement += ` ${settings.accessMode}`
      await pglite.exec(statement)
    },

    async commitTransaction() {
      await pglite.exec('commit')
    },

    async rollbackTransaction() {
      await pglite.exec('rollback')
    },

    async releaseConnection() {
      const unlock = release
      release = undefined
      unlock?.()
    },

    // The PGlite instance belongs to whoever created it: the storage factory closes it when it owns it.
    async destroy() {},
  }
}

/**
 * A kysely `Dialect` for a PGlite instance, or for a PGlite owned by a worker thread
 * ({@link openPgliteWorker}).
 *
 * @example
 * import { PGlite } from '@electric-sql/pglite'
 * const db = new Kysely<Database>({ dialect: createPgliteDialect(new PGlite()) })
 */
export function createPgliteDialect(pglite: PgliteQueryable): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => createPgliteDriver(pglite),
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createIntrospector: (db) => new PostgresIntrospector(db),
  }
}
