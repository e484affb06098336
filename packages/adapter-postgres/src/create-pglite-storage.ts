/**
 * `Storage` on PGlite: PostgreSQL compiled to WebAssembly, in process. The embedded default for
 * development and single-node installs; the same SQL and migrations as {@link createPostgresStorage}.
 *
 * @module
 */
import type { PGliteInterface } from '@electric-sql/pglite'
import { IdpError, silentLogger, type Logger, type Storage } from '@sentryagent/core'
import { Kysely } from 'kysely'
import type { Database } from './database.js'
import { createKyselyStorage, extensionMap } from './internal/create-kysely-storage.js'
import type { PostgresStorageExtension } from './postgres-storage-extension.js'
import { migrateToLatest } from './migrations/index.js'
import { createPgliteDialect } from './pglite-dialect.js'
import { openPgliteWorker, type PgliteQueryable } from './pglite-worker-client.js'

/** Options of {@link createPgliteStorage}. */
export interface PgliteStorageOptions {
  /** Directory holding the database files, created when missing. @default undefined (in memory) */
  dataDir?: string | undefined
  /**
   * An existing PGlite instance to use instead of opening `dataDir`. It is not closed by
   * `storage.close()`, and must not be queried by anyone else while the storage uses it.
   */
  pglite?: PGliteInterface | undefined
  /**
   * Run PostgreSQL (its WebAssembly) in a worker thread that owns the database, so that statements
   * no longer block the event loop: much higher throughput and flatter tail latency under
   * concurrent load. Not with `pglite`. @default false
   */
  worker?: boolean | undefined
  /** Storage extensions (plugins' tables): migrated after core's, served as `tx.ext(id)`. */
  extensions?: readonly PostgresStorageExtension[] | undefined
  /** Apply pending migrations (core's, then each extension's) before resolving. @default true */
  migrate?: boolean | undefined
  /** Receives one `info` line per applied migration. @default silentLogger */
  logger?: Logger | undefined
}

/**
 * Opens a PGlite database (in memory, or persisted under `dataDir`) and returns a `Storage` on it.
 *
 * @example
 * const storage = await createPgliteStorage({ dataDir: './data/pglite' })
 * const idp = createIdp({ issuer: 'https://idp.example', storage })
 *
 * @throws {IdpError} CONFIG_INVALID when both `dataDir` and `pglite` are given;
 *   DEPENDENCY_UNAVAILABLE when the database cannot be opened; INTERNAL when a migration fails.
 */
export async function createPgliteStorage(options: PgliteStorageOptions = {}): Promise<Storage> {
  if (options.pglite !== undefined && options.dataDir !== undefined) {
    throw new IdpError('CONFIG_INVALID', 'Give either pglite or dataDir, not both')
  }
  if (options.pglite !== undefined && options.worker === true) {
    throw new IdpError('CONFIG_INVALID', 'worker opens its own database: give dataDir, not pglite')
  }
  const extensions = extensionMap(options.extensions)
  const logger = options.logger ?? silentLogger
  const owned = options.pglite === undefined
  // Loaded on demand: PGlite is an optional peer, and `pg`-only installs never load its WebAssembly.
  const pglite: PgliteQueryable & { readonly closed: boolean; close(): Promise<void> } =
    options.pglite ??
    (options.worker === true ? openPgliteWorker(options.dataDir) : new (await import('@electric-sql/pglite')).PGlite(options.dataDir))
  const db = new Kysely<Database>({ dialect: createPgliteDialect(pglite) })
  const close = async (): Promise<void> => {
    await db.destroy()
    if (owned && !pglite.closed) await pglite.close()
  }
  try {
    await pglite.waitReady.catch((err: unknown) => {
      throw new IdpError('DEPENDENCY_UNAVAILABLE', 'The embedded database cannot be opened', { cause: err })
    })
    if (options.migrate ?? true) {
      for (const name of await migrateToLatest(db, { extensions: [...extensions.values()] })) logger.info({ migration: name }, 'applied migration')
    }
  } catch (err) {
    await close().catch(() => undefined)
    throw err
  }
  return createKyselyStorage(db, close, extensions)
}
