import { describeStorageContract, describeStorageExtensionContract, serviceReachable, type StorageFixture } from '@sentryagent/core/testing'
import { contractExtension } from './contract-extension.js'
import { createPgliteStorage } from '../src/index.js'
import { postgresFixture, probePostgres } from './postgres-fixture.js'

async function pgliteFixture(options: { withExtension?: boolean; worker?: boolean } = {}): Promise<StorageFixture> {
  const storage = await createPgliteStorage({
    ...(options.withExtension === true ? { extensions: [contractExtension] } : {}),
    worker: options.worker === true,
  })
  return { storage, teardown: () => storage.close() }
}

const targets: { name: string; setup: (options?: { withExtension?: boolean }) => Promise<StorageFixture> }[] = [
  { name: 'pglite', setup: pgliteFixture },
  // The same database owned by a worker thread: every query, error and transaction over the channel.
  { name: 'pglite-worker', setup: (options = {}) => pgliteFixture({ ...options, worker: true }) },
]
if (await serviceReachable('postgres', probePostgres)) {
  targets.push({ name: 'pg', setup: (options = {}) => postgresFixture(options.withExtension === true ? { extensions: [contractExtension] } : {}) })
}

for (const target of targets) {
  describeStorageContract(`postgres/${target.name}`, () => target.setup())
  describeStorageExtensionContract(`postgres/${target.name}`, () => target.setup({ withExtension: true }))
}
