/**
 * The adapter's migrations, as kysely `Migration` objects, and the one function that applies them.
 * They run in their own bookkeeping tables (`sentryagent_migration`, `sentryagent_migration_lock`),
 * so plugins with their own `Migrator` never interfere.
 *
 * @module
 */
import { IdpError } from '@sentryagent/core'
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import type { Database } from '../database.js'
import { sqlState, toStorageError } from '../internal/storage-errors.js'
import { extensionMigrationTable, type PostgresStorageExtension } from '../postgres-storage-extension.js'
import { init } from './0001-init.js'
import { auditCheckpoints } from './0002-audit-checkpoints.js'
import { agentKeys } from './0003-agent-keys.js'
import { delegations } from './0004-delegations.js'
import { signingKeyActivation } from './0005-signing-key-activation.js'
import { outboxAndJobs } from './0006-outbox-and-jobs.js'
import { auditAppendFunction } from './0007-audit-append-function.js'

/** Every migration, keyed by name; names sort in the order they apply. */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-init': init,
  '0002-audit-checkpoints': auditCheckpoints,
  '0003-agent-keys': agentKeys,
  '0004-delegations': delegations,
  '0005-signing-key-activation': signingKeyActivation,
  '0006-outbox-and-jobs': outboxAndJobs,
  '0007-audit-append-function': auditAppendFunction,
})

const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) }

/** Options of {@link migrateToLatest}. */
export interface MigrateOptions {
  /** Schema holding the tables and the bookkeeping tables. @default the connection's `current_schema()` */
  schema?: string | undefined
  /** Storage extensions whose migrations run after core's, each with its own `Migrator` and table. */
  extensions?: readonly PostgresStorageExtension[] | undefined
}

async function run(migrator: Migrator, label: string): Promise<string[]> {
  let outcome = await migrator.migrateToLatest()
  // kysely's introspector calls has_schema_privilege() on every schema of the database; one dropped
  // concurrently by someone else (tests, other tenants of a shared server) fails that query with
  // 3F000 invalid_schema_name, which says nothing about ours. Nothing was applied: try again.
  for (let attempt = 1; attempt < 10 && outcome.error !== undefined && sqlState(outcome.error) === '3F000'; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt))
    outcome = await migrator.migrateToLatest()
  }
  const { error, results = [] } = outcome
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName
    const mapped = toStorageError(error)
    if (mapped.code !== 'INTERNAL' || failed === undefined) throw mapped
    throw new IdpError('INTERNAL', `Migration ${label}${failed} failed`, { cause: error })
  }
  return results.filter((r) => r.status === 'Success').map((r) => `${label}${r.migrationName}`)
}

/**
 * Applies every pending migration, in one transaction under kysely's migration lock (safe when
 * several processes start at once). Idempotent. Returns the names applied by this call.
 *
 * @example
 * const applied = await migrateToLatest(db)   // [] when the schema is already current
 *
 * @throws {IdpError} DEPENDENCY_UNAVAILABLE when the database cannot be reached;
 *   INTERNAL when a migration fails.
 */
export async function migrateToLatest(db: Kysely<Database>, options: MigrateOptions = {}): Promise<string[]> {
  let schema = options.schema
  try {
    if (schema === undefined) {
      // Pinning the schema keeps kysely from mistaking another schema's bookkeeping table for ours.
      const row = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
      schema = row.rows[0]?.schema
    }
  } catch (err) {
    throw toStorageError(err)
  }
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'sentryagent_migration',
    migrationLockTableName: 'sentryagent_migration_lock',
    migrationTableSchema: schema,
  })
  const applied = await run(migrator, '')
  for (const ext of options.extensions ?? []) {
    const table = extensionMigrationTable(ext)
    const extMigrations = { ...ext.postgres.migrations }
    // Each extension has its own bookkeeping: core's and other plugins' migrations never interfere.
    const own = new Migrator({
      db,
      provider: { getMigrations: async () => extMigrations },
      migrationTableName: table,
      migrationLockTableName: `${table}_lock`,
      migrationTableSchema: schema,
    })
    applied.push(...(await run(own, `${ext.id}/`)))
  }
  return applied
}
