/** The in-process ephemeral store, rate limiter, local key store and secret store pass the port contract suites. */
import { randomBytes } from 'node:crypto'
import {
  createLocalKeyStore,
  createMemoryEphemeralStore,
  createMemoryRateLimiter,
  createMemorySecretStore,
  createMemoryStorage,
} from '../src/index.js'
import {
  describeEphemeralContract,
  describeKeyStoreContract,
  describeRateLimiterContract,
  describeSecretStoreContract,
} from '../src/testing/index.js'

describeEphemeralContract('memory', async () => {
  const store = createMemoryEphemeralStore()
  return { store, teardown: () => store.close() }
})

describeRateLimiterContract('memory', async () => ({
  create: (policy) => createMemoryRateLimiter(policy),
  shared: false,
  teardown: async () => undefined,
}))

describeKeyStoreContract('local', async () => {
  const storage = createMemoryStorage()
  return { keys: createLocalKeyStore({ storage, masterKey: randomBytes(32).toString('base64url') }), teardown: () => storage.close() }
})

describeSecretStoreContract('memory', async () => ({ secrets: createMemorySecretStore(), teardown: async () => undefined }))
