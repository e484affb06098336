/**
 * The `node:crypto` client-assertion verifier accepts what jose's `jwtVerify` accepted, with the same
 * failure names, and refuses what an attacker would try: another algorithm, a key of the wrong type
 * or size, a forged or re-encoded signature, `crit` extensions, and every claim out of bounds.
 */
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose'
import { describe, expect, it } from 'vitest'
import type { AgentKeyAlg } from '../agent-keys/public-jwk.js'
import { importAssertionKey, verifyAssertionJws, type AssertionExpectations } from './assertion-signature.js'

const NOW = 1_800_000_000
const AGENT = 'agt_1'
const ISSUER = 'https://idp.example'
const expectations: AssertionExpectations = { issuer: AGENT, subject: AGENT, audiences: [ISSUER, `${ISSUER}/oauth2/token`], nowSeconds: NOW, clockToleranceSeconds: 30 }
const claims = (over: JWTPayload = {}): JWTPayload => ({ iss: AGENT, sub: AGENT, aud: ISSUER, iat: NOW, exp: NOW + 60, jti: 'j1', ...over })

async function keyPair(alg: AgentKeyAlg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg.startsWith('RS') || alg.startsWith('PS') ? { modulusLength: 2048 } : {}) })
  const jwk = (await exportJWK(publicKey)) as Record<string, string>
  const key = importAssertionKey(jwk, alg)
  if (key === null) throw new Error(`${alg} did not import`)
  const sign = (payload: JWTPayload, header: Record<string, unknown> = {}) => new SignJWT(payload).setProtectedHeader({ alg, ...header }).sign(privateKey)
  return { key, jwk, sign }
}

describe('verifyAssertionJws', () => {
  it.each(['ES256', 'EdDSA', 'RS256', 'PS256'] as const)('accepts a valid %s assertion and returns its claims', async (alg) => {
    const { key, sign } = await keyPair(alg)
    expect(verifyAssertionJws(await sign(claims()), key, expectations)).toEqual({ payload: claims() })
    // The token endpoint URL is an audience too; an array naming one of them passes.
    expect(verifyAssertionJws(await sign(claims({ aud: [`${ISSUER}/oauth2/token`] })), key, expectations)).toHaveProperty('payload')
  })

  it('refuses another key, another algorithm header, a crit extension and tampered parts', async () => {
    const { key, sign } = await keyPair('ES256')
    const other = await keyPair('ES256')
    const rsa = await keyPair('RS256')
    const signature = { failure: { kind: 'signature' } }
    expect(verifyAssertionJws(await other.sign(claims()), key, expectations)).toEqual(signature)
    // An RS256 assertion presented for a key registered as ES256, and vice versa.
    expect(verifyAssertionJws(await rsa.sign(claims()), key, expectations)).toEqual(signature)
    expect(verifyAssertionJws(await sign(claims()), rsa.key, expectations)).toEqual(signature)
    expect(verifyAssertionJws(await sign(claims(), { crit: ['b64'], b64: true }), key, expectations)).toEqual(signature)
    const good = await sign(claims())
    const [h, p, s] = good.split('.') as [string, string, string]
    const forged = Buffer.from(JSON.stringify(claims({ sub: 'agt_2', iss: 'agt_2' }))).toString('base64url')
    expect(verifyAssertionJws(`${h}.${forged}.${s}`, key, expectations)).toEqual(signature)
    expect(verifyAssertionJws(`${h}.${p}.${s}=`, key, expectations)).toEqual(signature) // not canonical base64url
    expect(verifyAssertionJws(`${h}.${p}.${s.slice(0, -2)}`, key, expectations)).toEqual(signature)
    expect(verifyAssertionJws(`${h}.${p}`, key, expectations)).toEqual(signature)
    expect(verifyAssertionJws(`${h}.${p}.${s}.x`, key, expectations)).toEqual(signature)
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`
    expect(verifyAssertionJws(none, key, expectations)).toEqual(signature)
  })

  it('names the failing claim as jose did: missing, iss, sub, aud, iat, nbf; exp past the tolerance is expired', async () => {
    const { key, sign } = await keyPair('ES256')
    const claim = (name: string) => ({ failure: { kind: 'claim', claim: name } })
    const without = (name: string) => Object.fromEntries(Object.entries(claims()).filter(([k]) => k !== name))
    for (const name of ['iss', 'sub', 'aud', 'jti', 'exp']) expect(verifyAssertionJws(await sign(without(name)), key, expectations), name).toEqual(claim(name))
    expect(verifyAssertionJws(await sign(claims({ iss: 'agt_2' })), key, expectations)).toEqual(claim('iss'))
    expect(verifyAssertionJws(await sign(claims({ sub: 'agt_2' })), key, expectations)).toEqual(claim('sub'))
    expect(verifyAssertionJws(await sign(claims({ aud: 'https://elsewhere.example' })), key, expectations)).toEqual(claim('aud'))
    expect(verifyAssertionJws(await sign(claims({ aud: [] })), key, expectations)).toEqual(claim('aud'))
    expect(verifyAssertionJws(await sign({ ...claims(), iat: 'now' } as unknown as JWTPayload), key, expectations)).toEqual(claim('iat'))
    expect(verifyAssertionJws(await sign(claims({ nbf: NOW + 31 })), key, expectations)).toEqual(claim('nbf'))
    expect(verifyAssertionJws(await sign(claims({ nbf: NOW + 30 })), key, expectations)).toHaveProperty('payload')
    expect(verifyAssertionJws(await sign({ ...claims(), exp: '1' } as unknown as JWTPayload), key, expectations)).toEqual(claim('exp'))
    expect(verifyAssertionJws(await sign(claims({ exp: NOW - 30 })), key, expectations)).toEqual({ failure: { kind: 'expired' } })
    expect(verifyAssertionJws(await sign(claims({ exp: NOW - 29 })), key, expectations)).toHaveProperty('payload')
  })
})

describe('importAssertionKey', () => {
  it('imports only a key the algorithm can use', async () => {
    const es = await keyPair('ES256')
    const ed = await keyPair('EdDSA')
    expect(importAssertionKey(es.jwk, 'EdDSA')).toBeNull()
    expect(importAssertionKey(ed.jwk, 'ES256')).toBeNull()
    expect(importAssertionKey(es.jwk, 'RS256')).toBeNull()
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }) as Record<string, string>
    expect(importAssertionKey(p384, 'ES256')).toBeNull()
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as Record<string, string>
    expect(importAssertionKey(rsa1024, 'RS256')).toBeNull()
    expect(importAssertionKey({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }, 'ES256')).toBeNull()
  })
})
