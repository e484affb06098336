import { exportJWK, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { IdpError } from '../errors.js'
import { generateAgentKeyPair, normalizePublicJwk } from './public-jwk.js'

// RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint (known answer).
const RFC7638_KEY = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
}

async function validationFields(input: Record<string, unknown>): Promise<string[]> {
  try {
    await normalizePublicJwk(input)
  } catch (err) {
    if (err instanceof IdpError && err.code === 'VALIDATION_ERROR') return (err.errors ?? []).map((e) => e.field)
    throw err
  }
  throw new Error('expected VALIDATION_ERROR')
}

describe('normalizePublicJwk', () => {
  it('derives the RFC 7638 thumbprint as kid and keeps only public members', async () => {
    const jwk = await normalizePublicJwk({ ...RFC7638_KEY, key_ops: ['verify'], ext: true })
    expect(jwk).toEqual({ ...RFC7638_KEY, kid: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', use: 'sig' })
  })

  it('accepts P-256 and Ed25519 with their algorithms, and keeps a supplied kid', async () => {
    const ec = await exportJWK((await generateKeyPair('ES256')).publicKey)
    expect(await normalizePublicJwk({ ...ec, kid: 'mine' })).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: 'mine' })
    const ed = await exportJWK((await generateKeyPair('EdDSA')).publicKey)
    expect(await normalizePublicJwk(ed)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })
    expect(await normalizePublicJwk({ ...RFC7638_KEY, alg: 'PS256' })).toMatchObject({ alg: 'PS256' })
  })

  it('refuses private members, symmetric keys, other curves, short RSA, wrong alg, off-curve points', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    expect(await validationFields({ ...(await exportJWK(privateKey)) })).toEqual(['/publicJwk/d'])
    expect(await validationFields({ kty: 'oct', k: 'c2VjcmV0' })).toEqual(['/publicJwk/k'])
    expect(await validationFields({ kty: 'oct' })).toEqual(['/publicJwk'])
    expect(await validationFields({ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' })).toEqual(['/publicJwk'])
    expect(await validationFields({ kty: 'RSA', n: Buffer.alloc(128, 1).toString('base64url'), e: 'AQAB' })).toEqual(['/publicJwk/n'])
    expect(await validationFields({ ...RFC7638_KEY, alg: 'HS256' })).toEqual(['/publicJwk/alg'])
    expect(await validationFields({ ...RFC7638_KEY, alg: 'none' })).toEqual(['/publicJwk/alg'])
    expect(await validationFields({ ...RFC7638_KEY, use: 'enc' })).toEqual(['/publicJwk/use'])
    expect(await validationFields({ ...RFC7638_KEY, kid: 'a b' })).toEqual(['/publicJwk/kid'])
    const ec = await exportJWK((await generateKeyPair('ES256')).publicKey)
    expect(await validationFields({ ...ec, y: ec.x })).toEqual(['/publicJwk'])
  })
})

describe('generateAgentKeyPair', () => {
  it.each(['ES256', 'EdDSA', 'RS256', 'PS256'] as const)('%s: a public JWK without private members and a matching private JWK', async (alg) => {
    const { publicJwk, privateJwk } = await generateAgentKeyPair(alg)
    expect(publicJwk['alg']).toBe(alg)
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(publicJwk).not.toHaveProperty(m)
    expect(privateJwk['d']).toEqual(expect.any(String))
    expect(privateJwk['kid']).toBe(publicJwk['kid'])
  })
})
