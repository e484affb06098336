import { describeStorageContract, describeStorageExtensionContract, serviceReachable, type StorageFixture } from '@sentryagent/core/testing'
import { contractExtension } from './contract-extension.js'
import { createPgliteStorage } from '../src/index.js'
import { postgresFixture, probePostgres } from './postgres-fixture.js'

async function pgliteFixture(options: { withExtension?: boolean } = {}): Promise<StorageFixture> {
  const storage = await createPgliteStorage(options.withExtension === true ? { extensions: [contractExtension] } : {})
  return { storage, teardown: () => storage.close() }
}

const targets: { name: string; setup: (options?: { withExtension?: boolean }) => Promise<StorageFixture> }[] = [{ name: 'pglite', setup: pgliteFixture }]
if (await serviceReachable('postgres', probePostgres)) {
  targets.push({ name: 'pg', setup: (options = {}) => postgresFixture(options.withExtension === true ? { extensions: [contractExtension] } : {}) })
}

for (const target of targets) {
  describeStorageContract(`postgres/${target.name}`, () => target.setup())
  describeStorageExtensionContract(`postgres/${target.name}`, () => target.setup({ withExtension: true }))
}
