/**
 * Storage targets of the analytics tests: memory, PGlite, and real PostgreSQL in a throw-away
 * schema (when reachable; under CI=true its absence fails). PostgreSQL targets also expose raw SQL
 * for the brute-force comparisons over `audit_events`.
 */
import { randomUUID } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { createPgliteStorage, createPostgresStorage } from '@sentryagent/adapter-postgres'
import { createMemoryStorage, type Storage } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import pg from 'pg'
import { analyticsStorage } from '../src/index.js'

export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

export type Sql = <R extends Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>

export interface TargetInstance {
  storage: Storage
  /** Raw SQL on the same database (`null` on memory). */
  sql: Sql | null
  /** Another storage on the same database: a second server process (`null` on memory and PGlite). */
  second: (() => Promise<Storage>) | null
  teardown(): Promise<void>
}

export interface Target {
  name: 'memory' | 'pglite' | 'postgres'
  create(): Promise<TargetInstance>
}

const memory: Target = {
  name: 'memory',
  async create() {
    const storage = createMemoryStorage({ extensions: [analyticsStorage] })
    return { storage, sql: null, second: null, teardown: () => storage.close() }
  },
}

const pglite: Target = {
  name: 'pglite',
  async create() {
    const db = new PGlite()
    const storage = await createPgliteStorage({ pglite: db, extensions: [analyticsStorage] })
    const sql: Sql = async (text, params) => (await db.query(text, params)).rows as never
    return {
      storage,
      sql,
      second: null,
      async teardown() {
        await storage.close()
        await db.close()
      },
    }
  },
}

async function probePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
  } finally {
    await client.end().catch(() => undefined)
  }
}

const postgres: Target = {
  name: 'postgres',
  async create() {
    const schema = `analytics_${randomUUID().replaceAll('-', '')}`
    const open = () => createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 4, extensions: [analyticsStorage] })
    const storage = await open()
    const others: Storage[] = []
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    await client.query(`set search_path to "${schema}"`)
    const sql: Sql = async (text, params) => (await client.query(text, params)).rows as never
    return {
      storage,
      sql,
      async second() {
        const s = await open()
        others.push(s)
        return s
      },
      async teardown() {
        for (const s of others) await s.close()
        await storage.close()
        await client.query(`drop schema if exists "${schema}" cascade`)
        await client.end()
      },
    }
  },
}

/** memory and PGlite always; PostgreSQL when it answers (always under CI=true). */
export const TARGETS: Target[] = [memory, pglite, ...((await serviceReachable('postgres', probePostgres)) ? [postgres] : [])]
