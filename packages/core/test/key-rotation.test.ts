/** Zero-downtime rotation: a new key is published before it signs, the old one stays for the grace period. */
import { decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { createIdp, createLocalKeyStore, createMemoryEphemeralStore, createMemoryStorage, isIdpError } from '../src/index.js'
import { ADMIN_SECRET, ctxFor, tokenFor } from './helpers.js'

const MASTER = 'm'.repeat(40)

function manualClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start
  return { clock: () => new Date(now), advance: (seconds: number) => (now += seconds * 1000) }
}

describe('signing key rotation', () => {
  it('publishes the new key at once, signs with it only after the activation delay, keeps the old one for the grace period', async () => {
    const t = manualClock()
    const storage = createMemoryStorage()
    const keys = createLocalKeyStore({ storage, masterKey: MASTER, clock: t.clock, activationDelaySeconds: 60, gracePeriodSeconds: 3600 })
    const old = await keys.current()
    const next = await keys.rotate()
    expect(next.activatesAt?.getTime()).toBe(t.clock().getTime() + 60_000)
    expect((await keys.publicKeys()).map((k) => k.kid).sort()).toEqual([old.kid, next.kid].sort())
    expect((await keys.current()).kid).toBe(old.kid)
    t.advance(60)
    expect((await keys.current()).kid).toBe(next.kid)
    // Another process sharing the storage agrees, and still publishes the old key in its grace period.
    const other = createLocalKeyStore({ storage, masterKey: MASTER, clock: t.clock })
    expect((await other.current()).kid).toBe(next.kid)
    t.advance(3599)
    expect((await other.publicKeys()).map((k) => k.kid)).toContain(old.kid)
    t.advance(2)
    const late = createLocalKeyStore({ storage, masterKey: MASTER, clock: t.clock })
    expect((await late.publicKeys()).map((k) => k.kid)).toEqual([next.kid])
  })

  it('a process whose cache predates the rotation learns the new key from the announcement', async () => {
    const storage = createMemoryStorage()
    const ephemeral = createMemoryEphemeralStore()
    const keysA = createLocalKeyStore({ storage, masterKey: MASTER, refreshIntervalMs: 3_600_000 })
    const keysB = createLocalKeyStore({ storage, masterKey: MASTER, refreshIntervalMs: 3_600_000 })
    const a = createIdp({ issuer: 'http://idp.test', storage, ephemeral, keys: keysA })
    const b = createIdp({ issuer: 'http://idp.test', storage, ephemeral, keys: keysB })
    await a.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
    const before = await tokenFor(a, 'admin', ADMIN_SECRET)
    await b.authenticate(before) // B caches the key set
    const admin = await ctxFor(a, before)
    const rotated = await a.signingKeys.rotate(admin)
    const until = Date.now() + 2000
    while (!(await b.jwks()).keys.some((k) => k.kid === rotated.kid) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const after = await tokenFor(a, 'admin', ADMIN_SECRET)
    expect(decodeProtectedHeader(after).kid).toBe(rotated.kid)
    await expect(b.authenticate(after)).resolves.toMatchObject({ clientId: 'admin' })
    await expect(b.authenticate(before)).resolves.toMatchObject({ clientId: 'admin' })
    const audit = await a.audit.list(admin, { action: 'signing_key.rotated' })
    expect(audit.items).toHaveLength(1)
    expect(audit.items[0]).toMatchObject({ details: { kid: rotated.kid, trigger: 'api' } })
    await a.close()
    await b.close()
  })

  it('requires admin:orgs; scheduled rotation happens once per interval across processes', async () => {
    const t = manualClock()
    const storage = createMemoryStorage()
    const ephemeral = createMemoryEphemeralStore({ nowMs: () => t.clock().getTime() })
    const keys = createLocalKeyStore({ storage, masterKey: MASTER, clock: t.clock })
    const idp = createIdp({ issuer: 'http://idp.test', storage, ephemeral, keys, clock: t.clock })
    await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
    const admin = await ctxFor(idp, await tokenFor(idp, 'admin', ADMIN_SECRET))
    const weak = { ...admin, auth: { ...admin.auth, scopes: ['agents:read' as const], isPlatformAdmin: false } }
    await expect(idp.signingKeys.rotate(weak)).rejects.toSatisfy((e) => isIdpError(e, 'INSUFFICIENT_SCOPE'))
    const schedule = { intervalSeconds: 86_400, lockSeconds: 120 }
    expect(await idp.signingKeys.rotateIfDue(schedule)).toBeNull()
    t.advance(86_400)
    const results = await Promise.all([idp.signingKeys.rotateIfDue(schedule), idp.signingKeys.rotateIfDue(schedule)])
    expect(results.filter((r) => r !== null)).toHaveLength(1)
    expect(results.find((r) => r !== null)).toMatchObject({ trigger: 'scheduled' })
    expect(await idp.signingKeys.rotateIfDue(schedule)).toBeNull()
    await idp.close()
  })
})
