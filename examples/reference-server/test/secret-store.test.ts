/** The reference server's sealed SecretStore: round trip, sealed at rest, bound to its name and key. */
import { randomBytes } from 'node:crypto'
import { createMemoryStorage } from '@sentryagent/core'
import { describe, expect, it } from 'vitest'
import { createSealedSecretStore, serverSecretsStorage } from '../src/secret-store.js'

describe('sealed secret store', () => {
  it('round-trips, keeps only ciphertext, and refuses a value moved to another name or read with another key', async () => {
    const storage = createMemoryStorage({ extensions: [serverSecretsStorage] })
    const key = randomBytes(32).toString('base64url')
    const store = createSealedSecretStore(storage, key)
    const value = randomBytes(32)
    expect(await store.get('webhooks/a/v1')).toBeNull()
    await store.put('webhooks/a/v1', value)
    expect(Buffer.from((await store.get('webhooks/a/v1')) ?? [])).toEqual(value)

    const raw = await storage.ext('server-secrets').get('webhooks/a/v1')
    expect(raw).not.toBeNull()
    expect(Buffer.from(raw ?? '', 'base64').includes(value)).toBe(false)
    // Two seals of one value differ (random IV).
    await store.put('webhooks/a/v1', value)
    expect(await storage.ext('server-secrets').get('webhooks/a/v1')).not.toBe(raw)

    // Bound to its name: a sealed value copied under another name does not open.
    await storage.ext('server-secrets').put('webhooks/b/v1', raw ?? '')
    await expect(store.get('webhooks/b/v1')).rejects.toThrow()
    // Bound to the master key.
    await expect(createSealedSecretStore(storage, randomBytes(32).toString('base64url')).get('webhooks/a/v1')).rejects.toThrow()

    await store.delete('webhooks/a/v1')
    expect(await store.get('webhooks/a/v1')).toBeNull()
  })
})
