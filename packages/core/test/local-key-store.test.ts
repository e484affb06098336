import { decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { createIdp, createLocalKeyStore, createMemoryStorage } from '../src/index.js'
import { ADMIN_SECRET, tokenFor } from './helpers.js'

describe('local key store', () => {
  it('keeps private keys encrypted at rest', async () => {
    const storage = createMemoryStorage()
    const keys = createLocalKeyStore({ storage, masterKey: 'a'.repeat(40) })
    await keys.current()
    const [record] = await storage.signingKeys.list()
    expect(record).toBeDefined()
    expect(record?.encryptedPrivateJwk).not.toContain('"d"')
    expect(Buffer.from(record!.encryptedPrivateJwk, 'base64url').toString('latin1')).not.toMatch(/"d"\s*:/)
    expect(JSON.parse(record!.publicJwk)).not.toHaveProperty('d')
  })

  it('fails closed with a wrong master key', async () => {
    const storage = createMemoryStorage()
    await createLocalKeyStore({ storage, masterKey: 'a'.repeat(40) }).current()
    await expect(createLocalKeyStore({ storage, masterKey: 'b'.repeat(40) }).current()).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    expect(() => createLocalKeyStore({ storage, masterKey: 'short' })).toThrow(/32 characters/)
  })

  it('rotates: new key signs, old key stays published, old tokens still verify', async () => {
    const storage = createMemoryStorage()
    const keys = createLocalKeyStore({ storage, masterKey: 'a'.repeat(40) })
    const idp = createIdp({ issuer: 'http://idp.test', storage, keys })
    await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
    const before = await tokenFor(idp, 'admin', ADMIN_SECRET)
    const oldKid = decodeProtectedHeader(before).kid
    const next = await keys.rotate()
    expect(next.kid).not.toBe(oldKid)
    const after = await tokenFor(idp, 'admin', ADMIN_SECRET)
    expect(decodeProtectedHeader(after).kid).toBe(next.kid)
    expect((await keys.publicKeys()).map((k) => k.kid).sort()).toEqual([oldKid, next.kid].sort())
    await expect(idp.authenticate(before)).resolves.toBeDefined()
    await expect(idp.authenticate(after)).resolves.toBeDefined()
  })

  it('is shared by processes with the same storage and master key', async () => {
    const storage = createMemoryStorage()
    const a = createLocalKeyStore({ storage, masterKey: 'a'.repeat(40) })
    const b = createLocalKeyStore({ storage, masterKey: 'a'.repeat(40) })
    expect((await a.current()).kid).toBe((await b.current()).kid)
  })
})
