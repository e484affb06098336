import { createMemoryStorage } from '../src/index.js'
import { contractStorageExtension, describeStorageContract, describeStorageExtensionContract } from '../src/testing/index.js'

describeStorageContract('memory', async () => {
  const storage = createMemoryStorage()
  return { storage, teardown: () => storage.close() }
})

describeStorageExtensionContract('memory', async () => {
  const storage = createMemoryStorage({ extensions: [contractStorageExtension] })
  return { storage, teardown: () => storage.close() }
})
