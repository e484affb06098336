/**
 * The local key store on pg and PGlite (migration 0005: `activates_at`) passes the key-store
 * contract, and the pg storage reports its pool counters.
 */
import { randomBytes } from 'node:crypto'
import { createLocalKeyStore } from '@sentryagent/core'
import { describeKeyStoreContract, serviceReachable, type StorageFixture } from '@sentryagent/core/testing'
import { describe, expect, it } from 'vitest'
import { createPgliteStorage, createPostgresStorage } from '../src/index.js'
import { DATABASE_URL, adminQuery, postgresFixture, probePostgres, randomSchema } from './postgres-fixture.js'

async function pgliteFixture(): Promise<StorageFixture> {
  const storage = await createPgliteStorage()
  return { storage, teardown: () => storage.close() }
}

const pgUp = await serviceReachable('postgres', probePostgres)
const targets: { name: string; setup: () => Promise<StorageFixture> }[] = [{ name: 'pglite', setup: pgliteFixture }]
if (pgUp) targets.push({ name: 'pg', setup: postgresFixture })

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
