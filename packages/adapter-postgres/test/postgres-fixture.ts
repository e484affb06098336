/**
 * Test helpers for real PostgreSQL: the connection string, a reachability probe and a fixture
 * that isolates each test in a random schema (dropped in teardown).
 */
import { randomUUID } from 'node:crypto'
import type { StorageFixture } from '@sentryagent/core/testing'
import pg from 'pg'
import { createPostgresStorage, type PostgresStorageOptions } from '../src/index.js'
import { emptyTablesStatement, leasedFixtures } from '../src/internal/shared-pglite.js'

/** `DATABASE_URL`, or the local trust-auth test database. */
export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Resolves when PostgreSQL answers `select 1`. */
export async function probePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Runs one statement on its own connection (test setup only: dropping schemas). */
export async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export function randomSchema(): string {
  return `test_${randomUUID().replaceAll('-', '')}`
}

/** A storage in a fresh schema of the test database. */
export async function postgresFixture(options: Pick<PostgresStorageOptions, 'extensions'> = {}): Promise<StorageFixture> {
  const schema = randomSchema()
  const storage = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 5, ...options })
  return {
    storage,
    async teardown() {
      await storage.close()
      await adminQuery(`drop schema if exists "${schema}" cascade`)
    },
  }
}

/**
 * Fixtures in one schema per suite: created and migrated at the first `setup()`, emptied
 * (`emptyTablesStatement`: every table but the migration bookkeeping) at each `setup()`, dropped after the
 * file. Creating and migrating a schema per test cost the database a migration each.
 * A `setup()` while an earlier fixture is in use (concurrent tests) gets a schema of its own.
 * Call it at the top level of a test file or in a `describe` (it registers an `afterAll`).
 */
export function sharedPostgresFixtures(options: Pick<PostgresStorageOptions, 'extensions'> = {}): () => Promise<StorageFixture> {
  return leasedFixtures<{ schema: string; empty: string }>({
    async open() {
      const schema = randomSchema()
      const migrating = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 1, ...options })
      await migrating.close()
      const client = new pg.Client({ connectionString: DATABASE_URL })
      await client.connect()
      try {
        const { rows } = await client.query<{ name: string }>('select tablename as name from pg_tables where schemaname = $1 order by tablename', [schema])
        return { schema, empty: emptyTablesStatement(rows.map((r) => r.name), options.extensions ?? [], schema) }
      } finally {
        await client.end()
      }
    },
    close: ({ schema }) => adminQuery(`drop schema if exists "${schema}" cascade`),
    async lease({ schema, empty }) {
      await adminQuery(empty)
      const storage = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 5, migrate: false, ...options })
      return { storage, teardown: () => storage.close() }
    },
    fresh: () => postgresFixture(options),
  })
}
