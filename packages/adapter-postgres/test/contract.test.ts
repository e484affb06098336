import { describeStorageContract, describeStorageExtensionContract, serviceReachable, type StorageFixture } from '@sentryagent/core/testing'
import { contractExtension } from './contract-extension.js'
import { sharedPgliteFixtures } from '../src/internal/shared-pglite.js'
import { probePostgres, sharedPostgresFixtures } from './postgres-fixture.js'

// One migrated database (PostgreSQL: schema) per suite, emptied before each test: a fresh PGlite
// (its WebAssembly) per test cost ~2 s of CPU each, a fresh schema a migration each. The worker
// target still runs the whole contract over the message channel: every query, error and
// transaction crosses the thread. Opening and migrating a database, in process, in a worker and on
// PostgreSQL, is tested in migrations.test.ts and pglite-worker.test.ts.
const targets: { name: string; setup: () => Promise<StorageFixture>; setupWithExtension: () => Promise<StorageFixture> }[] = [
  { name: 'pglite', setup: sharedPgliteFixtures(), setupWithExtension: sharedPgliteFixtures({ extensions: [contractExtension] }) },
  {
    name: 'pglite-worker',
    setup: sharedPgliteFixtures({ worker: true }),
    setupWithExtension: sharedPgliteFixtures({ extensions: [contractExtension], worker: true }),
  },
]
if (await serviceReachable('postgres', probePostgres)) {
  targets.push({ name: 'pg', setup: sharedPostgresFixtures(), setupWithExtension: sharedPostgresFixtures({ extensions: [contractExtension] }) })
}

for (const target of targets) {
  describeStorageContract(`postgres/${target.name}`, target.setup)
  describeStorageExtensionContract(`postgres/${target.name}`, target.setupWithExtension)
}
