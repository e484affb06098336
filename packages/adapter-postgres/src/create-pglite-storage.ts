/**
 * `Storage` on PGlite: PostgreSQL compiled to WebAssembly, in process. The embedded default for
 * development and single-node installs; the same SQL and migrations as {@link createPostgresStorage}.
 *
 * @module
 */
import type { PGlite, PGliteInterface } from '@electric-sql/pglite'
import { IdpError, silentLogger, type Logger, type Storage } from '@sentryagent/core'
import { Kysely } from 'kysely'
import type { Database } from './database.js'
import { createKyselyStorage, extensionMap } from './internal/create-kysely-storage.js'
import type { PostgresStorageExtension } from './postgres-storage-extension.js'
import { migrateToLatest } from './migrations/index.js'
import { createPgliteDialect } from './pglite-dialect.js'
import { assertDataDirVersion, localDataDir, resolveSharedBuffers } from './internal/pglite-data-dir.js'
import { hasDatabase, initializeDataDir, pgliteStartParams } from './pglite-start.js'
import { openPgliteWorker, pgliteInitCommand, type PgliteQueryable } from './pglite-worker-client.js'

/** Options of {@link createPgliteStorage}. */
export interface PgliteStorageOptions {
  /**
   * Directory holding the database files, created when missing. It holds a PostgreSQL 18
   * database (PGlite 0.5); one written by PGlite 0.3 (PostgreSQL 17) is refused, untouched.
   * @default undefined (in memory)
   */
  dataDir?: string | undefined
  /**
   * PostgreSQL's `shared_buffers` for the database this opens (not with `pglite`): a size with kB,
   * MB or GB. Every buffer the database touches stays resident, and PostgreSQL's own default
   * (128MB) is sized for a server with many connections; 16MB measured the same throughput at
   * about 100 MiB less memory. PostgreSQL runs with fsync on either way. @default '16MB'
   */
  sharedBuffers?: string | undefined
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
 * Opens PGlite in this thread: the version of `dataDir` checked, a new one's database created by a
 * child process (see `initializeDataDir`), then PostgreSQL started with fsync on and `sharedBuffers`.
 */
async function openInProcess(dataDir: string | undefined, sharedBuffers: string): Promise<PGlite> {
  const localDir = dataDir === undefined ? undefined : localDataDir(dataDir)
  if (localDir !== undefined) {
    assertDataDirVersion(localDir)
    if (!hasDatabase(localDir)) {
      await initializeDataDir(pgliteInitCommand(), localDir, sharedBuffers).catch((err: unknown) => {
        throw new IdpError('DEPENDENCY_UNAVAILABLE', 'The embedded database cannot be created', { cause: err })
      })
    }
  }
  // Loaded on demand: PGlite is an optional peer, and `pg`-only installs never load its WebAssembly.
  const { PGlite } = await import('@electric-sql/pglite')
  return new PGlite(dataDir, { startParams: pgliteStartParams(PGlite.defaultStartParams, sharedBuffers) })
}

/**
 * Opens a PGlite database (in memory, or persisted under `dataDir`) and returns a `Storage` on it.
 *
 * @example
 * const storage = await createPgliteStorage({ dataDir: './data/pglite' })
 * const idp = createIdp({ issuer: 'https://idp.example', storage })
 *
 * @throws {IdpError} CONFIG_INVALID when both `dataDir` and `pglite` are given, for an invalid
 *   `sharedBuffers`, or when `dataDir` holds a database of another PostgreSQL major version (PGlite
 *   0.3's PostgreSQL 17; the directory is left untouched); DEPENDENCY_UNAVAILABLE when the
 *   database cannot be opened; INTERNAL when a migration fails.
 */
export async function createPgliteStorage(options: PgliteStorageOptions = {}): Promise<Storage> {
  if (options.pglite !== undefined && options.dataDir !== undefined) {
    throw new IdpError('CONFIG_INVALID', 'Give either pglite or dataDir, not both')
  }
  if (options.pglite !== undefined && options.worker === true) {
    throw new IdpError('CONFIG_INVALID', 'worker opens its own database: give dataDir, not pglite')
  }
  if (options.pglite !== undefined && options.sharedBuffers !== undefined) {
    throw new IdpError('CONFIG_INVALID', 'sharedBuffers applies to the database this opens: give dataDir, not pglite')
  }
  const extensions = extensionMap(options.extensions)
  const logger = options.logger ?? silentLogger
  const owned = options.pglite === undefined
  const pglite: PgliteQueryable & { readonly closed: boolean; close(): Promise<void> } =
    options.pglite ??
    (options.worker === true
      ? openPgliteWorker(options.dataDir, { sharedBuffers: options.sharedBuffers })
      : await openInProcess(options.dataDir, resolveSharedBuffers(options.sharedBuffers)))
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
