/**
 * `@sentryagent/adapter-postgres`: the core `Storage` port on kysely, for PostgreSQL (`pg`) and
 * embedded PGlite, with one set of queries and migrations for both.
 *
 * @module
 */
export { createPostgresStorage } from './create-postgres-storage.js'
export type { PoolStats, PostgresStorage, PostgresStorageOptions } from './create-postgres-storage.js'
export { createPgliteStorage } from './create-pglite-storage.js'
export type { PgliteStorageOptions } from './create-pglite-storage.js'
export { createPgliteDialect } from './pglite-dialect.js'
export { openPgliteWorker } from './pglite-worker-client.js'
export type { PgliteQueryable, PgliteWorkerHandle, PgliteWorkerOptions } from './pglite-worker-client.js'
export { migrateToLatest, migrations } from './migrations/index.js'
export type { MigrateOptions } from './migrations/index.js'
export type { Database } from './database.js'
export { extensionMigrationTable } from './postgres-storage-extension.js'
export type { PostgresStorageExtension, PostgresStorageHalf } from './postgres-storage-extension.js'
