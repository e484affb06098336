/** Access tokens: RFC 9068 shape, and every way a presented token must fail. */
import { createHmac } from 'node:crypto'
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { createIdp, createLocalKeyStore, createMemoryStorage } from '../src/index.js'
import { ADMIN_SECRET, basic, setup, tokenFor } from './helpers.js'

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

describe('access tokens', () => {
  it('are RFC 9068 JWTs with the SPEC claims', async () => {
    const { idp, boot } = await setup()
    const token = await tokenFor(idp, 'admin', ADMIN_SECRET, 'agents:read')
    const header = decodeProtectedHeader(token)
    expect(header).toEqual({ typ: 'at+jwt', alg: 'ES256', kid: expect.any(String) })
    const { keys } = await idp.jwks()
    expect(keys.map((k) => k.kid)).toContain(header.kid)
    const c = decodeJwt(token)
    expect(c).toMatchObject({ iss: 'http://idp.test', aud: 'http://idp.test', sub: boot.agentId, client_id: 'admin', scope: 'agents:read', agent_id: boot.agentId, organization_id: boot.organizationId })
    expect(c.exp! - c.iat!).toBe(3600)
    expect(c.jti).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('expire: a token is rejected once the clock passes exp', async () => {
    let now = new Date('2026-01-01T00:00:00Z')
    const storage = createMemoryStorage()
    const idp = createIdp({ issuer: 'http://idp.test', storage, clock: () => now, keys: createLocalKeyStore({ storage, masterKey: 'm'.repeat(32), clock: () => now }) })
    await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
    const token = await tokenFor(idp, 'admin', ADMIN_SECRET)
    await expect(idp.authenticate(token)).resolves.toMatchObject({ clientId: 'admin' })
    now = new Date(now.getTime() + 3601_000)
    await expect(idp.authenticate(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    await expect(idp.oauth.introspect({ params: { token }, authorization: basic('admin', ADMIN_SECRET) })).resolves.toEqual({ active: false })
  })

  it('reject alg:none, HS256 keyed with the public key, foreign keys, tampering and wrong typ', async () => {
    const { idp } = await setup()
    const token = await tokenFor(idp, 'admin', ADMIN_SECRET)
    const [h, p, s] = token.split('.') as [string, string, string]
    const claims = decodeJwt(token)
    const { keys } = await idp.jwks()
    const jwk = keys[0]!
    const hsHeader = b64({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid })
    const foreign = await generateKeyPair('ES256')
    const foreignToken = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid }).sign(foreign.privateKey)
    const wrongTyp = `${b64({ ...decodeProtectedHeader(token), typ: 'JWT' })}.${p}.${s}`
    const candidates = [
      `${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.`,
      `${hsHeader}.${p}.${createHmac('sha256', JSON.stringify(jwk)).update(`${hsHeader}.${p}`).digest('base64url')}`,
      foreignToken,
      `${h}.${b64({ ...claims, scope: 'admin:orgs' })}.${s}`,
      wrongTyp,
      `${h}.${p}`,
      '',
    ]
    for (const bad of candidates) {
      await expect(idp.authenticate(bad)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    }
  })

  it('are rejected by a server with another issuer or audience', async () => {
    const storage = createMemoryStorage()
    const keys = createLocalKeyStore({ storage, masterKey: 'k'.repeat(32) })
    const a = createIdp({ issuer: 'http://a.test', storage, keys })
    await a.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
    const token = await tokenFor(a, 'admin', ADMIN_SECRET)
    const b = createIdp({ issuer: 'http://b.test', storage, keys })
    await expect(b.authenticate(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    const c = createIdp({ issuer: 'http://a.test', storage, keys, tokens: { audience: 'https://api.other' } })
    await expect(c.authenticate(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
  })
})
