import { describe, expect, it } from 'vitest'
import { createMemorySecretStore } from './memory-secret-store.js'

describe('memory secret store', () => {
  it('stores copies and deletes idempotently', async () => {
    const s = createMemorySecretStore()
    const value = new Uint8Array([1, 2, 3])
    await s.put('a', value)
    value[0] = 9
    const read = await s.get('a')
    expect(read).toEqual(new Uint8Array([1, 2, 3]))
    read?.fill(0)
    expect(await s.get('a')).toEqual(new Uint8Array([1, 2, 3]))
    await s.delete('a')
    await s.delete('a')
    expect(await s.get('a')).toBeNull()
  })
})
