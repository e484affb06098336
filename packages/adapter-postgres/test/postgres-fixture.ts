/**
 * Test helpers for real PostgreSQL: the connection string, a reachability probe and a fixture
 * that isolates each test in a random schema (dropped in teardown).
 */
import { randomUUID } from 'node:crypto'
import type { StorageFixture } from '@sentryagent/core/testing'
import pg from 'pg'
import { createPostgresStorage, type PostgresStorageOptions } from '../src/index.js'

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
