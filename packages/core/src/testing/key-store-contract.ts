/**
 * Contract suites for the `KeyStore` and `SecretStore` ports (local key store, Vault Transit, Vault
 * KV v2, memory): signatures verify with jose against the published keys, rotation publishes the
 * new key and keeps the old one, secrets round-trip byte for byte.
 *
 * @module
 */
import { createLocalJWKSet, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { useFixture } from './fixture.js'
import type { KeyStore } from '../ports/keys.js'
import type { SecretStore } from '../ports/secrets.js'
import { signJws } from '../tokens/jws.js'

/** A key store under test. Its rotations must activate at once (no propagation delay). */
export interface KeyStoreFixture {
  keys: KeyStore
  teardown(): Promise<void>
}

/** A secret store under test, isolated from every other fixture (fresh instance or path prefix). */
export interface SecretStoreFixture {
  secrets: SecretStore
  teardown(): Promise<void>
}

async function verifies(keys: KeyStore, token: string): Promise<boolean> {
  const jwks = createLocalJWKSet({ keys: (await keys.publicKeys()).map((k) => ({ ...k })) })
  try {
    await jwtVerify(token, jwks, { algorithms: ['ES256'] })
    return true
  } catch {
    return false
  }
}

/**
 * Registers the key-store contract suite with vitest.
 *
 * @example
 * describeKeyStoreContract('vault', async () => ({ keys: createVaultKeyStore(opts), teardown: async () => {} }))
 */
export function describeKeyStoreContract(name: string, setup: () => Promise<KeyStoreFixture>): void {
  describe(`${name}: key store contract`, () => {
    const current = useFixture('key store contract', setup)
    const keys = (): KeyStore => current().keys

    it('signs ES256 JWS that verify against the published keys; the signer kid is published', async () => {
      const signer = await keys().current()
      expect(signer.alg).toBe('ES256')
      const published = await keys().publicKeys()
      const jwk = published.find((k) => k.kid === signer.kid)
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
      expect(Object.keys(jwk ?? {})).not.toContain('d')
      const token = await signJws(signer, { typ: 'JWT' }, { sub: 'contract', iat: 1 })
      expect(await verifies(keys(), token)).toBe(true)
      // A tampered payload must not verify.
      const [h, , s] = token.split('.')
      const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'forged', iat: 1 })).toString('base64url')}.${s}`
      expect(await verifies(keys(), forged)).toBe(false)
    })

    it('rotate() publishes a new signing key and keeps the previous one for verification', async () => {
      const before = await keys().current()
      const oldToken = await signJws(before, { typ: 'JWT' }, { sub: 'old' })
      const next = await keys().rotate()
      expect(next.kid).not.toBe(before.kid)
      const kids = (await keys().publicKeys()).map((k) => k.kid)
      expect(kids).toContain(next.kid)
      expect(kids).toContain(before.kid)
      const now = await keys().current()
      expect(now.kid).toBe(next.kid)
      expect(await verifies(keys(), await signJws(now, { typ: 'JWT' }, { sub: 'new' }))).toBe(true)
      expect(await verifies(keys(), oldToken)).toBe(true)
    })

    it('ping() resolves while the store is usable', async () => {
      await expect(keys().ping()).resolves.toBeUndefined()
    })
  })
}

/**
 * Registers the secret-store contract suite with vitest.
 *
 * @example
 * describeSecretStoreContract('memory', async () => ({ secrets: createMemorySecretStore(), teardown: async () => {} }))
 */
export function describeSecretStoreContract(name: string, setup: () => Promise<SecretStoreFixture>): void {
  describe(`${name}: secret store contract`, () => {
    const current = useFixture('secret store contract', setup)
    const secrets = (): SecretStore => current().secrets

    it('get() is null for an absent name; put() stores bytes exactly and replaces', async () => {
      expect(await secrets().get('webhooks/absent')).toBeNull()
      const bytes = new Uint8Array([0, 1, 2, 250, 255, 10, 13])
      await secrets().put('webhooks/wh_1', bytes)
      expect(Buffer.from((await secrets().get('webhooks/wh_1')) ?? [])).toEqual(Buffer.from(bytes))
      await secrets().put('webhooks/wh_1', new Uint8Array([7]))
      expect(Buffer.from((await secrets().get('webhooks/wh_1')) ?? [])).toEqual(Buffer.from([7]))
    })

    it('delete() removes the secret and is idempotent; other names are untouched', async () => {
      await secrets().put('a', new Uint8Array([1]))
      await secrets().put('b', new Uint8Array([2]))
      await secrets().delete('a')
      await secrets().delete('a')
      expect(await secrets().get('a')).toBeNull()
      expect(Buffer.from((await secrets().get('b')) ?? [])).toEqual(Buffer.from([2]))
    })
  })
}
