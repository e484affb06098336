/**
 * The local key store on pg and PGlite (migration 0005: `activates_at`) passes the key-store
 * contract, and the pg storage reports its pool counters.
 */
import { randomBytes } from 'node:crypto'
import { createLocalKeyStore } from '@sentryagent/core'
import { describeKeyStoreContract, serviceReachable, type StorageFixture } from '@sentryagent/core/testing'
import { describe, expect, it } from 'vitest'
import { createPostgresStorage } from '../src/index.js'
import { sharedPgliteFixtures } from '../src/internal/shared-pglite.js'
import { DATABASE_URL, adminQuery, probePostgres, randomSchema, sharedPostgresFixtures } from './postgres-fixture.js'

// One migrated database (PostgreSQL: schema) per file, emptied before each test (see contract.test.ts).
const pgUp = await serviceReachable('postgres', probePostgres)
const targets: { name: string; setup: () => Promise<StorageFixture> }[] = [{ name: 'pglite', setup: sharedPgliteFixtures() }]
if (pgUp) targets.push({ name: 'pg', setup: sharedPostgresFixtures() })

for (const target of targets) {
  describeKeyStoreContract(`local key store on postgres/${target.name}`, async () => {
    const { storage, teardown } = await target.setup()
    return { keys: createLocalKeyStore({ storage, masterKey: randomBytes(32).toString('base64url') }), teardown }
  })

  describe(`signing key activation on postgres/${target.name}`, () => {
    it('stores activatesAt, and a pending key does not sign until then', async () => {
      const { storage, teardown } = await target.setup()
      try {
        const keys = createLocalKeyStore({ storage, masterKey: 'k'.repeat(40), activationDelaySeconds: 3600 })
        const old = await keys.current()
        const next = await keys.rotate()
        const records = await storage.signingKeys.list()
        expect(records.find((r) => r.kid === next.kid)?.activatesAt?.getTime()).toBe(next.activatesAt?.getTime())
        const oldRecord = records.find((r) => r.kid === old.kid)
        expect(oldRecord?.status).toBe('retired')
        expect(oldRecord?.activatesAt ?? null).toBeNull()
        expect((await keys.current()).kid).toBe(old.kid)
      } finally {
        await teardown()
      }
    })
  })
}

describe.runIf(pgUp)('postgres pool stats', () => {
  it('reports the pool size and open connections', async () => {
    const schema = randomSchema()
    const storage = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 3 })
    try {
      await Promise.all([storage.ping(), storage.ping()])
      const stats = storage.poolStats()
      expect(stats.max).toBe(3)
      expect(stats.total).toBeGreaterThanOrEqual(1)
      expect(stats.total).toBeLessThanOrEqual(3)
      expect(stats.waiting).toBe(0)
    } finally {
      await storage.close()
      await adminQuery(`drop schema if exists "${schema}" cascade`)
    }
  })
})
