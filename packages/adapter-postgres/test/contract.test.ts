import { describeStorageContract, serviceReachable, type StorageFixture } from '@sentryagent/core/testing'
import { createPgliteStorage } from '../src/index.js'
import { postgresFixture, probePostgres } from './postgres-fixture.js'

async function pgliteFixture(): Promise<StorageFixture> {
  const storage = await createPgliteStorage()
  return { storage, teardown: () => storage.close() }
}

const targets: { name: string; setup: () => Promise<StorageFixture> }[] = [{ name: 'pglite', setup: pgliteFixture }]
if (await serviceReachable('postgres', probePostgres)) targets.push({ name: 'pg', setup: postgresFixture })

for (const target of targets) describeStorageContract(`postgres/${target.name}`, target.setup)
