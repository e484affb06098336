/**
 * Foreign-token verification in isolation (stub key source, memory tables): the issuer allow-list,
 * algorithm allow-list (property: every other algorithm is refused before any key is looked at),
 * typ, times and the partner's organization allow-list.
 */
import { createMemoryStorage } from '@sentryagent/core'
import fc from 'fast-check'
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { KeySource } from '../src/keys.js'
import type { Partner, TrustPolicy } from '../src/model.js'
import { federationRepo, federationStorage } from '../src/storage.js'
import { TokenRefused, verifyForeignToken, type VerifyOptions } from '../src/verify.js'

const ISSUER = 'https://issuer.example'
const PARTNER = 'https://partner.example'
const OWN = 'https://idp.example'
const now = new Date('2026-03-01T12:00:00Z')
const t = Math.floor(now.getTime() / 1000)

let privateKey: CryptoKey
let publicJwk: JWK
let options: VerifyOptions
let keyLookups = 0

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true })
  privateKey = pair.privateKey
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }
  const storage = createMemoryStorage({ extensions: [federationStorage] })
  const policy: TrustPolicy = {
    policyId: 'p1', organizationId: 'o1', name: 'n', issuer: ISSUER, audience: null, conditions: [{ claim: 'sub', equals: 'x' }],
    agentId: 'a1', scopes: ['agents:read'], mode: 'agent', createdAt: now, updatedAt: now,
  }
  const partner: Partner = {
    partnerId: 'pa1', organizationId: 'platform', name: 'p', issuer: PARTNER, jwksUri: `${PARTNER}/jwks`, allowedOrganizations: ['org-a'],
    status: 'active', expiresAt: new Date(now.getTime() + 86_400_000), createdAt: now, updatedAt: now,
  }
  await federationRepo(storage).insertPolicy(policy)
  await federationRepo(storage).insertPartner(partner)
  const keys: KeySource = {
    keys: async () => {
      keyLookups++
      return [publicJwk]
    },
    probe: async () => [publicJwk],
    forget: () => undefined,
  }
  options = { keys, repo: () => federationRepo(storage), clock: () => now, ownIssuer: OWN, clockSkewSeconds: 60, maxTokenAgeSeconds: 600 }
})

const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT', ...header }).sign(privateKey)
const base = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: 'x', aud: OWN, iat: t - 10, exp: t + 300, ...extra })
const reason = async (token: string) => {
  try {
    await verifyForeignToken(token, options)
    return 'valid'
  } catch (err) {
    if (err instanceof TokenRefused) return err.reason
    throw err
  }
}

describe('verifyForeignToken', () => {
  it('accepts a well-formed token of a trusted issuer', async () => {
    const v = await verifyForeignToken(await sign(base()), options)
    expect(v).toMatchObject({ issuer: ISSUER, subject: 'x', partner: null })
  })

  it('refuses untrusted issuers, its own issuer, bad typ, times and missing claims', async () => {
    expect(await reason(await sign(base({ iss: 'https://other.example' })))).toBe('untrusted_issuer')
    expect(await reason(await sign(base({ iss: OWN })))).toBe('untrusted_issuer')
    expect(await reason(await sign(base(), { typ: 'delegation+jwt' }))).toBe('unsupported_typ')
    expect(await reason(await sign(base({ exp: t - 61 })))).toBe('expired')
    expect(await reason(await sign(base({ exp: t - 30 })))).toBe('valid')
    expect(await reason(await sign(base({ nbf: t + 120 })))).toBe('not_yet_valid')
    expect(await reason(await sign(base({ iat: t - 700 })))).toBe('too_old')
    expect(await reason(await sign(base({ iat: t + 120 })))).toBe('issued_in_future')
    expect(await reason(await sign({ iss: ISSUER, aud: OWN, iat: t, exp: t + 60 }))).toBe('missing_claims')
    expect(await reason('a.b.c')).toBe('malformed')
  })

  it('applies the partner organization allow-list', async () => {
    expect(await reason(await sign(base({ iss: PARTNER, organization_id: 'org-a' })))).toBe('valid')
    expect(await reason(await sign(base({ iss: PARTNER, organization_id: 'org-b' })))).toBe('organization_not_allowed')
    expect(await reason(await sign(base({ iss: PARTNER })))).toBe('organization_not_allowed')
    const repo = options.repo()
    const partner = await repo.partnerByIssuer(PARTNER)
    if (partner === null) throw new Error('no partner')
    await repo.updatePartner({ ...partner, allowedOrganizations: ['*'] })
    expect(await reason(await sign(base({ iss: PARTNER })))).toBe('valid')
    await repo.updatePartner({ ...partner, status: 'suspended' })
    expect(await reason(await sign(base({ iss: PARTNER, organization_id: 'org-a' })))).toBe('partner_inactive')
    await repo.updatePartner({ ...partner, expiresAt: new Date(now.getTime() - 1) })
    expect(await reason(await sign(base({ iss: PARTNER, organization_id: 'org-a' })))).toBe('partner_inactive')
    await repo.updatePartner(partner)
  })

  it('refuses every algorithm outside RS256/ES256/EdDSA before looking up a key (property)', async () => {
    const lookupsBefore = keyLookups
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('none', 'HS256', 'HS384', 'HS512', 'RS384', 'PS256', 'ES384', 'ES512', 'ES256K', 'dir', 'NONE', 'nOnE', 'es256', ''), fc.string({ maxLength: 8 })),
        fc.string({ maxLength: 40 }),
        async (alg, sig) => {
          fc.pre(!['RS256', 'ES256', 'EdDSA'].includes(alg))
          const token = `${base64url.encode(JSON.stringify({ alg, kid: 'k1', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(base()))}.${base64url.encode(sig)}`
          return (await reason(token)) === 'unsupported_alg'
        },
      ),
    )
    expect(keyLookups).toBe(lookupsBefore)
  })

  it('refuses a valid header with a forged or swapped signature', async () => {
    const [h, p] = (await sign(base())).split('.')
    const other = await sign(base({ sub: 'y' }))
    expect(await reason(`${h}.${p}.${other.split('.')[2]}`)).toBe('invalid_signature')
  })
})
