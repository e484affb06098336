/** Vault-specific behaviour on the stand-in: auth, namespaces, retries, fail-closed signing, staged rotation. */
import { isIdpError, type KeyStore } from '@sentryagent/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVaultClient, createVaultKeyStore, createVaultSecretStore } from '../src/index.js'
import { startVaultStandIn, type VaultStandIn } from './vault-stand-in.js'

const signOnce = async (keys: KeyStore) => (await keys.current()).sign(new TextEncoder().encode('header.payload'))

describe('vault adapter on the stand-in', () => {
  let vault: VaultStandIn
  beforeAll(async () => {
    vault = await startVaultStandIn({ namespace: 'team-a' })
  })
  afterAll(async () => {
    await vault.stop()
  })

  it('logs in with AppRole, sends the namespace, and logs in again when the token expires', async () => {
    const keys = createVaultKeyStore({ vault: { address: vault.address, auth: { appRole: vault.appRole }, namespace: 'team-a' }, key: 'approle-key' })
    expect(await signOnce(keys)).toHaveLength(64)
    vault.expireAppRoleTokens()
    await keys.refresh?.()
    expect(await signOnce(keys)).toHaveLength(64)
    const logins = vault.requests.filter((r) => r.path === '/v1/auth/approle/login')
    expect(logins.length).toBe(2)
    expect(vault.requests.every((r) => r.namespace === 'team-a')).toBe(true)
  })

  it('rejects a wrong namespace or token as DEPENDENCY_UNAVAILABLE', async () => {
    const wrongNs = createVaultSecretStore({ vault: { address: vault.address, auth: { token: vault.rootToken }, namespace: 'team-b', retries: 0 } })
    await expect(wrongNs.get('x')).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))
    const badToken = createVaultSecretStore({ vault: { address: vault.address, auth: { token: 'hvs.nope' }, namespace: 'team-a', retries: 0 } })
    await expect(badToken.put('x', new Uint8Array([1]))).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))
  })

  it('retries 5xx with backoff, then succeeds; gives up after the configured retries', async () => {
    const client = createVaultClient({ address: vault.address, auth: { token: vault.rootToken }, namespace: 'team-a', retries: 2, backoffMs: 1 })
    vault.failNext(2)
    expect((await client.request({ method: 'GET', path: 'sys/health' })).status).toBe(200)
    vault.failNext(3)
    await expect(client.request({ method: 'GET', path: 'sys/health' })).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))
    // Rotation is not idempotent: it is never retried.
    vault.failNext(1)
    await expect(client.request({ method: 'POST', path: 'transit/keys/none/rotate', idempotent: false })).rejects.toSatisfy((e) =>
      isIdpError(e, 'DEPENDENCY_UNAVAILABLE'),
    )
  })

  it('fails closed when Vault is down, and works again when it is back', async () => {
    const keys = createVaultKeyStore({
      vault: { address: vault.address, auth: { token: vault.rootToken }, namespace: 'team-a', retries: 1, backoffMs: 1, timeoutMs: 1000 },
      key: 'down-key',
    })
    expect(await signOnce(keys)).toHaveLength(64)
    await vault.stop()
    await expect(signOnce(keys)).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))
    await expect(keys.ping()).rejects.toSatisfy((e) => isIdpError(e, 'DEPENDENCY_UNAVAILABLE'))
    await vault.start()
    expect(await signOnce(keys)).toHaveLength(64)
  })

  it('stages a rotation: the new version is published at once and signs only after the activation delay', async () => {
    let now = Date.now()
    const keys = createVaultKeyStore({
      vault: { address: vault.address, auth: { token: vault.rootToken }, namespace: 'team-a' },
      key: 'staged-key',
      activationDelaySeconds: 60,
      gracePeriodSeconds: 600,
      clock: () => new Date(now),
    })
    const v1 = await keys.current()
    expect(v1.kid).toBe('staged-key#v1')
    const v2 = await keys.rotate()
    expect(v2.kid).toBe('staged-key#v2')
    expect((await keys.publicKeys()).map((k) => k.kid)).toEqual(['staged-key#v1', 'staged-key#v2'])
    expect((await keys.current()).kid).toBe('staged-key#v1')
    now += 61_000
    expect((await keys.current()).kid).toBe('staged-key#v2')
    expect((await keys.publicKeys()).map((k) => k.kid)).toEqual(['staged-key#v1', 'staged-key#v2'])
    now += 600_000
    expect((await keys.publicKeys()).map((k) => k.kid)).toEqual(['staged-key#v2'])
    // No response ever carried private key material.
    expect(vault.requests.some((r) => r.path.includes('export'))).toBe(false)
  })
})
