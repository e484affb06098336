/**
 * Contract suites and helpers for implementers of the core ports. Requires `vitest` (an optional
 * peer dependency of `@sentryagent/core`).
 *
 * @module
 */
export { describeStorageContract } from './storage-contract.js'
export type { StorageFixture } from './storage-contract.js'
export { serviceReachable } from './service-reachable.js'
export type { ServiceReachableOptions } from './service-reachable.js'
