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

/** Options of {@link createPgliteStorage}. */
export interface PgliteStorageOptions {
  /** Directory holding the database files, created when missing. @default undefined (in memory) */
  dataDir?: string | undefined
  /**
   * An existing PGlite instance to use instead of opening `dataDir`. It is not closed by
   * `storage.close()`, and must not be queried by anyone else while the storage uses it.
   */
  pglite?: PGliteInterface | undefined
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
  const extensions = extensionMap(options.extensions)
  const logger = options.logger ?? silentLogger
  const owned = options.pglite === undefined
  // Loaded on demand: PGlite is an optional peer, and `pg`-only installs never load its WebAssembly.
  const pglite = options.pglite ?? new (await import('@electric-sql/pglite')).PGlite(options.dataDir)
  const db = new Kysely<Database>({ dialect: createPgliteDialect(pglite) })
  const close = async (): Promise<void> => {
    await db.destroy()
    if (owned && !pglite.closed) await pglite.close()
  }
  try {
    if (options.migrate ?? true) {
      for (const name of await migrateToLatest(db, { extensions: [...extensions.values()] })) logger.info({ migration: name }, 'applied migration')
    }
  } catch (err) {
    await close().catch(() => undefined)
    throw err
  }
  return createKyselyStorage(db, close, extensions)
}
