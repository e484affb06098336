import { createMemoryStorage } from '../src/index.js'
import { describeStorageContract } from '../src/testing/index.js'

describeStorageContract('memory', async () => {
  const storage = createMemoryStorage()
  return { storage, teardown: () => storage.close() }
})
