/**
 * The PostgreSQL half of a storage extension (see `StorageExtension` in `@sentryagent/core`):
 * the plugin's kysely migrations, run by their own `Migrator` with their own bookkeeping table
 * (`<id>_migrations`), and the factory of its repository over kysely — the pool, or the
 * transaction core is in, so that its writes commit with core's. pg and PGlite share both.
 *
 * A plugin depends on `kysely` (types) as a peer and on this package only for these types; core
 * never imports kysely.
 *
 * @example
 * export const notesStorage = {
 *   id: 'notes',
 *   memory: () => createMemoryNotes,
 *   postgres: {
 *     migrations: { '0001-notes': { up: (db) => db.schema.createTable('notes')…execute() } },
 *     repository: (db) => createNotesRepository(db.withTables<NotesTables>()),
 *   },
 * } satisfies PostgresStorageExtension<'notes'>
 *
 * @module
 */
import type { ExtensionRepository, StorageExtension } from '@sentryagent/core'
import type { Kysely, Migration } from 'kysely'

/** What adapter-postgres reads from a storage extension. */
export interface PostgresStorageHalf<R = unknown> {
  /** Kysely migrations, keyed by names that sort in the order they apply. */
  readonly migrations: Readonly<Record<string, Migration>>
  /** Bookkeeping table of these migrations. @default `<id>_migrations` (dashes as underscores) */
  readonly migrationTableName?: string
  /**
   * The repository over `db`: the pool outside transactions, the transaction inside them. Type
   * your tables with `db.withTables<YourTables>()`.
   */
  repository(db: Kysely<object>): R
}

/** A storage extension with its PostgreSQL half. */
export interface PostgresStorageExtension<K extends string = string> extends StorageExtension<K> {
  readonly postgres: PostgresStorageHalf<ExtensionRepository<K>>
}

/** The bookkeeping table name of an extension's migrations. */
export function extensionMigrationTable(ext: PostgresStorageExtension): string {
  return ext.postgres.migrationTableName ?? `${ext.id.replaceAll('-', '_')}_migrations`
}
