/**
 * Test helpers for code that ships a storage extension (plugins): the same storage on memory,
 * embedded PGlite and real PostgreSQL, each target an isolated fixture.
 *
 * @example
 * for (const target of await storageTargets([notesStorage], 'notes')) {
 *   describe(target.name, () => { … await target.setup() … })
 * }
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { createMemoryStorage } from '@sentryagent/core'
import { serviceReachable, type StorageFixture } from '@sentryagent/core/testing'
import pg from 'pg'
import { createPostgresStorage } from './create-postgres-storage.js'
import { sharedPgliteFixtures } from './internal/shared-pglite.js'
import type { PostgresStorageExtension } from './postgres-storage-extension.js'

export type { StorageFixture }

/** `DATABASE_URL`, or the local trust-auth test database. */
export const TEST_DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** One storage target of a suite. */
export interface StorageTarget {
  readonly name: 'memory' | 'pglite' | 'postgres'
  /**
   * An empty storage with the extensions installed (PostgreSQL: in a random schema dropped by
   * `teardown`; PGlite: one database per test file, emptied at each `setup()` and closed after the file).
   */
  setup(): Promise<StorageFixture>
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/**
 * Call it at the top level of a test file or in a `describe` (it registers an `afterAll`).
 * Memory and PGlite always; PostgreSQL when it answers `select 1` — and always under `CI=true`,
 * where an unreachable PostgreSQL fails the suite instead of skipping it (`serviceReachable`).
 */
export async function storageTargets(extensions: readonly PostgresStorageExtension[], schemaPrefix: string): Promise<StorageTarget[]> {
  const targets: StorageTarget[] = [
    {
      name: 'memory',
      async setup() {
        const storage = createMemoryStorage({ extensions })
        return { storage, teardown: () => storage.close() }
      },
    },
    // One migrated database per file, emptied before each test: opening PGlite (its WebAssembly)
    // per test cost seconds of CPU each.
    { name: 'pglite', setup: sharedPgliteFixtures({ extensions }) },
  ]
  if (await serviceReachable('postgres', () => adminQuery('select 1'))) {
    targets.push({
      name: 'postgres',
      async setup() {
        const schema = `${schemaPrefix}_${randomUUID().replaceAll('-', '')}`
        const storage = await createPostgresStorage({ connectionString: TEST_DATABASE_URL, schema, poolSize: 3, extensions })
        return {
          storage,
          async teardown() {
            await storage.close()
            await adminQuery(`drop schema if exists "${schema}" cascade`)
          },
        }
      },
    })
  }
  return targets
}
