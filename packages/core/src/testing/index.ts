/**
 * Contract suites and helpers for implementers of the core ports. Requires `vitest` (an optional
 * peer dependency of `@sentryagent/core`).
 *
 * @module
 */
export { describeStorageContract } from './storage-contract.js'
export type { StorageFixture } from './storage-contract.js'
export {
  CONTRACT_EXTENSION_ID,
  contractStorageExtension,
  describeStorageExtensionContract,
} from './storage-contract/extension-contract.js'
export type { ContractNote, ContractNoteRepository, ExtensionFixture } from './storage-contract/extension-contract.js'
export { serviceReachable } from './service-reachable.js'
export type { ServiceReachableOptions } from './service-reachable.js'
export { describeEphemeralContract } from './ephemeral-contract.js'
export type { EphemeralFixture } from './ephemeral-contract.js'
export { describeRateLimiterContract } from './rate-limiter-contract.js'
export type { RateLimiterFixture } from './rate-limiter-contract.js'
export { describeKeyStoreContract, describeSecretStoreContract } from './key-store-contract.js'
export type { KeyStoreFixture, SecretStoreFixture } from './key-store-contract.js'
