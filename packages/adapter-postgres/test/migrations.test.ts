import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { AuditEvent, Organization } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createPgliteDialect, createPgliteStorage, createPostgresStorage, migrateToLatest, migrations } from '../src/index.js'
import type { Database } from '../src/index.js'
import { adminQuery, DATABASE_URL, probePostgres, randomSchema } from './postgres-fixture.js'

const ALL = Object.keys(migrations)

function organization(): Organization {
  const id = randomUUID()
  const at = new Date('2025-03-04T05:06:07.089Z')
  return { organizationId: id, name: 'Acme', slug: `acme-${id}`, planTier: 'free', maxAgents: null, status: 'active', createdAt: at, updatedAt: at }
}

function firstEvent(organizationId: string): AuditEvent {
  return {
    eventId: randomUUID(),
    seq: 1,
    organizationId,
    timestamp: new Date('2025-03-04T05:06:08.000Z'),
    action: 'organization.created',
    outcome: 'success',
    actor: 'platform',
    agentId: null,
    ip: null,
    details: { plan: 'free' },
    prevHash: '0'.repeat(64),
    hash: 'a'.repeat(64),
  }
}

describe('migrations on PGlite', () => {
  const cleanup: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  it('apply once, then report nothing pending', async () => {
    const pglite = new PGlite()
    cleanup.push(() => pglite.close())
    const db = new Kysely<Database>({ dialect: createPgliteDialect(pglite) })
    expect(await migrateToLatest(db)).toStrictEqual(ALL)
    expect(await migrateToLatest(db)).toStrictEqual([])
    // A storage opened on the migrated instance migrates nothing and works.
    const storage = await createPgliteStorage({ pglite })
    await storage.ping()
    await storage.close()
    expect(pglite.closed).toBe(false)
  })

  it('migrate: false leaves an empty database alone', async () => {
    const pglite = new PGlite()
    cleanup.push(() => pglite.close())
    await createPgliteStorage({ pglite, migrate: false })
    const tables = await pglite.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
    )
    expect(tables.rows[0]?.n).toBe(0)
  })

  it('keeps data when a data directory is reopened', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sentryagent-pglite-'))
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }))
    const org = organization()
    const event = firstEvent(org.organizationId)
    const first = await createPgliteStorage({ dataDir })
    await first.transaction(async (tx) => {
      await tx.organizations.insert(org)
      await tx.audit.append(org.organizationId, () => event)
    })
    await first.close()

    const reopened = await createPgliteStorage({ dataDir })
    try {
      expect(await reopened.organizations.find(org.organizationId)).toStrictEqual(org)
      expect(await reopened.audit.range(org.organizationId, 1, 10)).toStrictEqual([event])
    } finally {
      await reopened.close()
    }
  })
})

describe.runIf(await serviceReachable('postgres', probePostgres))('migrations on PostgreSQL', () => {
  const schemas: string[] = []
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await adminQuery(`drop schema if exists "${schema}" cascade`)
  })

  it('apply once per schema, concurrently safe, and keep schemas apart', async () => {
    const a = randomSchema()
    const b = randomSchema()
    schemas.push(a, b)
    // Two processes starting at once: kysely's migration lock lets one migrate, the other waits.
    const [s1, s2] = await Promise.all([
      createPostgresStorage({ connectionString: DATABASE_URL, schema: a }),
      createPostgresStorage({ connectionString: DATABASE_URL, schema: a }),
    ])
    const other = await createPostgresStorage({ connectionString: DATABASE_URL, schema: b })
    try {
      const org = organization()
      await s1.organizations.insert(org)
      expect(await s2.organizations.find(org.organizationId)).toStrictEqual(org)
      expect(await other.organizations.find(org.organizationId)).toBeNull()
    } finally {
      await Promise.all([s1.close(), s2.close(), other.close()])
    }
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1, options: `-c search_path=${a}` })
    try {
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
      expect(await migrateToLatest(db, { schema: a })).toStrictEqual([])
      const applied = await pool.query<{ name: string }>(`select name from "${a}".sentryagent_migration order by name`)
      expect(applied.rows.map((r) => r.name)).toStrictEqual(ALL)
    } finally {
      await pool.end()
    }
  })
})
