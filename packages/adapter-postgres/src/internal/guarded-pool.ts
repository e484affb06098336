/**
 * The `pg` pool as kysely sees it, made safe against a failing network or server:
 *
 * - every query carries a client-side timeout (`query_timeout`), so a reply lost in a partition
 *   fails the query instead of hanging it;
 * - a connection that failed (no reply in time, socket error, backend terminated) is discarded when
 *   released — never handed to the next caller, where it would hang behind the lost reply — and the
 *   queries still issued on it (kysely's `rollback`) fail at once instead of waiting for it;
 * - session settings (`search_path`, `statement_timeout`) are applied when a connection is first
 *   used, and a connection whose setup failed is discarded too (kysely's own `onCreateConnection`
 *   would leave it checked out forever).
 *
 * @module
 */
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import type pg from 'pg'
import { sqlState } from './storage-errors.js'

/** Options of {@link createGuardedPool}. */
export interface GuardedPoolOptions {
  /** Statements run once on every connection before its first use (already validated, safe to send). */
  readonly sessionSetup: readonly string[]
  /** Client-side bound on each query in milliseconds; `0` = none. */
  readonly queryTimeoutMs: number
  /** `false`: `end()` leaves the pool open (a second view of a pool owned elsewhere). */
  readonly ownsPool: boolean
}

/**
 * `true` when `err` means the connection itself failed and must not be reused. A statement the
 * server rejected (syntax, constraint, `statement_timeout`) carries a SQLSTATE and leaves the
 * connection usable. A read timeout or a socket error carries none; a connection exception (class
 * `08`) or an operator intervention that ends the session (`57P01`–`57P05`, e.g.
 * `pg_terminate_backend()`) closes it. (The SQLSTATE rather than the severity: pg only exposes the
 * localized severity.)
 */
export function isConnectionFault(err: unknown): boolean {
  const state = sqlState(err)
  return state === undefined || state.startsWith('08') || /^57P0[1-5]$/.test(state)
}

/**
 * Wraps `pool` for kysely's `PostgresDialect`.
 *
 * @example
 * new Kysely<Database>({ dialect: new PostgresDialect({ pool: createGuardedPool(pool, { sessionSetup: [], queryTimeoutMs: 5500, ownsPool: true }) }) })
 */
export function createGuardedPool(pool: pg.Pool, options: GuardedPoolOptions): PostgresPool {
  const prepared = new WeakSet<pg.PoolClient>()
  const { queryTimeoutMs, sessionSetup } = options

  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect()
      let fault: unknown
      let released = false
      const run = async (text: string, values: readonly unknown[]): Promise<pg.QueryResult> => {
        // After a failure nothing more is sent on this connection: kysely's rollback fails at once.
        if (fault !== undefined) throw fault
        // pg honours a per-query `query_timeout` (its typings do not declare it).
        const config: pg.QueryConfig & { query_timeout?: number } = { text, values: [...values] }
        if (queryTimeoutMs > 0) config.query_timeout = queryTimeoutMs
        try {
          return await client.query(config)
        } catch (err) {
          if (isConnectionFault(err)) fault = err
          throw err
        }
      }
      const release = () => {
        if (released) return
        released = true
        // pg-pool removes (and ends) a client released with an error instead of keeping it idle.
        client.release(fault === undefined ? undefined : fault instanceof Error ? fault : new Error('connection failed'))
      }
      if (!prepared.has(client)) {
        try {
          for (const statement of sessionSetup) await run(statement, [])
        } catch (err) {
          fault ??= err
          release()
          throw err
        }
        prepared.add(client)
      }
      function query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
      function query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters: readonly unknown[] = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        if (typeof sqlOrCursor !== 'string') throw new TypeError('cursors are not used by this adapter')
        return run(sqlOrCursor, parameters).then((r) => ({
          command: r.command as PostgresQueryResult<R>['command'],
          rowCount: r.rowCount ?? 0,
          rows: r.rows as R[],
        }))
      }
      return { query, release }
    },

    end: () => (options.ownsPool ? pool.end() : Promise.resolve()),
  }
}
