/**
 * The storage contract suite: every `Storage` implementation (memory, pg, PGlite, …) runs it, so
 * that they agree on tenancy, null-vs-throw, uniqueness, ordering, pagination, atomicity and the
 * audit chain exactly as documented on the port (`ports/storage.ts`).
 *
 * @module
 */
import { describe } from 'vitest'
import { useFixture } from './fixture.js'
import type { Storage } from '../ports/storage.js'
import { agentContract } from './storage-contract/agent-contract.js'
import { agentKeyContract } from './storage-contract/agent-key-contract.js'
import { auditCheckpointContract } from './storage-contract/audit-checkpoint-contract.js'
import { auditContract } from './storage-contract/audit-contract.js'
import { credentialContract } from './storage-contract/credential-contract.js'
import { delegationContract } from './storage-contract/delegation-contract.js'
import { marketplaceContract } from './storage-contract/marketplace-contract.js'
import { organizationContract } from './storage-contract/organization-contract.js'
import { outboxContract } from './storage-contract/outbox-contract.js'
import { transactionContract } from './storage-contract/transaction-contract.js'

/** A storage under test and how to dispose of it. */
export interface StorageFixture {
  /** A storage that shares no state with any other fixture (fresh instance, schema or database). */
  storage: Storage
  /** Releases everything `setup` created (closes the storage, drops the schema, …). */
  teardown(): Promise<void>
}

/**
 * Registers the storage contract suite with vitest. `setup` runs before every test and must return
 * an isolated, empty storage; `teardown` runs after it.
 *
 * @example
 * import { describeStorageContract } from '@sentryagent/core/testing'
 * import { createMemoryStorage } from '@sentryagent/core'
 *
 * describeStorageContract('memory', async () => {
 *   const storage = createMemoryStorage()
 *   return { storage, teardown: () => storage.close() }
 * })
 */
export function describeStorageContract(name: string, setup: () => Promise<StorageFixture>): void {
  describe(`${name}: storage contract`, () => {
    const current = useFixture('storage contract', setup)
    const storage = (): Storage => current().storage

    organizationContract(storage)
    agentContract(storage)
    agentKeyContract(storage)
    marketplaceContract(storage)
    credentialContract(storage)
    delegationContract(storage)
    auditContract(storage)
    auditCheckpointContract(storage)
    transactionContract(storage)
    outboxContract(storage)
  })
}
