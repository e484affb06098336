/**
 * Storage fixtures on one PGlite database per test file (test helper, behind `./testing`).
 *
 * Opening PGlite instantiates PostgreSQL's WebAssembly and migrating it creates every table: about
 * two seconds of CPU, which a fresh database per test pays again for each of the hundreds of
 * storage tests. Here the database is opened and migrated once, on the first `setup()`; every
 * `setup()` then empties it (deletes the rows of every table but the migration bookkeeping,
 * restarts sequences) and returns a new storage on it, so each test still starts from an empty, fully
 * migrated database. The database is closed after the file (`afterAll`).
 *
 * Tests of one file run one after another; a `setup()` while an earlier fixture is still in use
 * (concurrent tests) gets a fresh database of its own, so the fixtures never share state.
 *
 * @module
 */
import type { StorageFixture } from '@sentryagent/core/testing'
import { Kysely, sql } from 'kysely'
import { afterAll } from 'vitest'
import { createPgliteStorage } from '../create-pglite-storage.js'
import type { Database } from '../database.js'
import { migrateToLatest } from '../migrations/index.js'
import { createPgliteDialect } from '../pglite-dialect.js'
import { openPgliteWorker, type PgliteQueryable } from '../pglite-worker-client.js'
import { extensionMigrationTable, type PostgresStorageExtension } from '../postgres-storage-extension.js'
import { createKyselyStorage, extensionMap } from './create-kysely-storage.js'

/** Options of {@link sharedPgliteFixtures}. */
export interface SharedPgliteOptions {
  /** Storage extensions: migrated with core's, served as `tx.ext(id)`. */
  extensions?: readonly PostgresStorageExtension[] | undefined
  /** The database in a worker thread (`createPgliteStorage({ worker: true })`). @default false */
  worker?: boolean | undefined
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

/**
 * One statement that empties a migrated database between tests: deletes every row of `tables` (a
 * schema's tables, qualified with `schema` when given) but the migration bookkeeping of core and
 * of `extensions`, with foreign-key triggers off (any order), and restarts the schema's sequences.
 * A `delete` of a few rows costs a tenth of a `truncate`, which replaces every table's files.
 */
export function emptyTablesStatement(tables: readonly string[], extensions: readonly PostgresStorageExtension[], schema?: string): string {
  const bookkeeping = ['sentryagent_migration', ...extensions.map(extensionMigrationTable)].flatMap((t) => [t, `${t}_lock`])
  const emptied = tables.filter((name) => !bookkeeping.includes(name))
  const qualified = (name: string): string => (schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`)
  const schemaExpr = schema === undefined ? 'current_schema()' : `'${schema.replaceAll("'", "''")}'`
  return [
    'do $empty$ declare s record; begin',
    "perform set_config('session_replication_role', 'replica', true);",
    ...emptied.map((name) => `delete from ${qualified(name)};`),
    `for s in select schemaname, sequencename from pg_sequences where schemaname = ${schemaExpr} loop`,
    "execute format('alter sequence %I.%I restart', s.schemaname, s.sequencename);",
    'end loop; end $empty$',
  ].join('\n')
}

type OwnedPglite = PgliteQueryable & { readonly closed: boolean; close(): Promise<void> }

interface Shared {
  pglite: OwnedPglite
  /** The statement that empties every table but the migration bookkeeping. */
  empty: string
}

async function openShared(extensions: readonly PostgresStorageExtension[], worker: boolean): Promise<Shared> {
  const pglite: OwnedPglite = worker ? openPgliteWorker(undefined) : new (await import('@electric-sql/pglite')).PGlite()
  const db = new Kysely<Database>({ dialect: createPgliteDialect(pglite) })
  try {
    await migrateToLatest(db, { extensions })
    const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema() order by tablename`.execute(db)
    return { pglite, empty: emptyTablesStatement(rows.map((r) => r.name), extensions) }
  } catch (err) {
    await pglite.close().catch(() => undefined)
    throw err
  } finally {
    await db.destroy()
  }
}

/**
 * A `setup()` of fixtures on one shared resource (a database, a schema): opened at the first call,
 * handed to one fixture at a time by `lease` (which empties it), closed by `close` after the file
 * (the `afterAll` it registers). A call while a lease is open (concurrent tests) gets `fresh()` — a
 * fixture of its own — so fixtures never share state.
 */
export function leasedFixtures<R>(hooks: {
  open(): Promise<R>
  close(resource: R): Promise<void>
  lease(resource: R): Promise<StorageFixture>
  fresh(): Promise<StorageFixture>
}): () => Promise<StorageFixture> {
  let shared: Promise<R> | undefined
  let inUse = false

  afterAll(async () => {
    const opened = await shared?.catch(() => undefined)
    if (opened !== undefined) await hooks.close(opened)
  })

  return async () => {
    if (inUse) return hooks.fresh()
    inUse = true
    try {
      shared ??= hooks.open()
      const fixture = await hooks.lease(await shared)
      return {
        storage: fixture.storage,
        async teardown() {
          try {
            await fixture.teardown()
          } finally {
            inUse = false
          }
        },
      }
    } catch (err) {
      inUse = false
      throw err
    }
  }
}

/**
 * Returns a `setup()` for storage fixtures that share one migrated PGlite database per test file,
 * emptied before each fixture. Call it at the top level of a test file (or in a `describe`): it
 * registers the `afterAll` that closes the database.
 */
export function sharedPgliteFixtures(options: SharedPgliteOptions = {}): () => Promise<StorageFixture> {
  const extensions = options.extensions ?? []
  const worker = options.worker === true
  return leasedFixtures<Shared>({
    open: () => openShared(extensions, worker),
    close: async ({ pglite }) => {
      if (!pglite.closed) await pglite.close()
    },
    async lease({ pglite, empty }) {
      await pglite.query(empty)
      const db = new Kysely<Database>({ dialect: createPgliteDialect(pglite) })
      // The storage's close() ends its kysely instance only: the database stays open for the next test.
      const storage = createKyselyStorage(db, () => db.destroy(), extensionMap(extensions))
      return { storage, teardown: () => storage.close() }
    },
    async fresh() {
      const storage = await createPgliteStorage({ extensions, worker })
      return { storage, teardown: () => storage.close() }
    },
  })
}
