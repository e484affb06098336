/**
 * Signature and claims check of a client assertion (a compact JWS, RFC 7515 §7.1) with `node:crypto`.
 *
 * Why not jose's `jwtVerify`: jose 6 verifies through WebCrypto, whose ECDSA verification costs
 * about 1.6× the CPU of `crypto.verify` with a `KeyObject` (135 vs 85 µs for P-256 on the bench
 * machine) — a tenth of a `private_key_jwt` token request. The checks are jose's, in jose's order
 * (signature first, then `iss`, `sub`, `aud`, `iat`, `nbf`, `exp`), with jose's failure names, so
 * that the audited reasons do not change; stricter where jose had latitude: a `crit` header
 * parameter is refused (this verifier understands none), and every part must be canonical base64url.
 *
 * @module
 */
import { constants, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto'
import type { AgentKeyAlg } from '../agent-keys/public-jwk.js'

/** A public key imported once for one algorithm (see {@link importAssertionKey}). */
export interface AssertionKey {
  readonly alg: AgentKeyAlg
  readonly key: KeyObject
}

/** What the claims must be. Times in seconds. */
export interface AssertionExpectations {
  issuer: string
  subject: string
  /** At least one of these must be in `aud`. */
  audiences: readonly string[]
  nowSeconds: number
  clockToleranceSeconds: number
}

/** Why an assertion failed: the signature, an expired `exp`, or a claim (jose's claim names). */
export type AssertionFailure = { kind: 'signature' } | { kind: 'expired' } | { kind: 'claim'; claim: string }

const B64URL = /^[A-Za-z0-9_-]*$/

/**
 * Imports a stored public JWK for `alg`; `null` when the key is not one `alg` can use (P-256 for
 * ES256, Ed25519 for EdDSA, RSA of at least 2048 bits for RS256 and PS256) or does not import.
 *
 * @example
 * const key = importAssertionKey({ kty: 'EC', crv: 'P-256', x, y }, 'ES256')
 */
export function importAssertionKey(jwk: Readonly<Record<string, unknown>>, alg: AgentKeyAlg): AssertionKey | null {
  let key: KeyObject
  try {
    key = createPublicKey({ key: { ...jwk } as JsonWebKey, format: 'jwk' })
  } catch {
    return null
  }
  const details = key.asymmetricKeyDetails
  const fits =
    alg === 'ES256'
      ? key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1'
      : alg === 'EdDSA'
        ? key.asymmetricKeyType === 'ed25519'
        : key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= 2048
  return fits ? { alg, key } : null
}

function signatureValid(k: AssertionKey, input: Buffer, signature: Buffer): boolean {
  switch (k.alg) {
    case 'ES256':
      return signature.length === 64 && verify('sha256', input, { key: k.key, dsaEncoding: 'ieee-p1363' }, signature)
    case 'EdDSA':
      return verify(null, input, k.key, signature)
    case 'RS256':
      return verify('sha256', input, { key: k.key, padding: constants.RSA_PKCS1_PADDING }, signature)
    case 'PS256':
      // RFC 7518 §3.5: the salt is as long as the hash, as WebCrypto and jose require.
      return verify('sha256', input, { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function parseObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(part, 'base64url')))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/**
 * Verifies `assertion` with `k` and checks its claims; returns the payload, or why it failed.
 * `exp` and `jti` are required; `iss` and `sub` must equal the expected values; `aud` must name one
 * of `audiences`; `iat`, when present, must be a number; `nbf` must not be ahead of now beyond the
 * tolerance; `exp` must not be behind now beyond it.
 *
 * @example
 * const r = verifyAssertionJws(assertion, key, { issuer: agentId, subject: agentId, audiences: [iss], nowSeconds, clockToleranceSeconds: 30 })
 */
export function verifyAssertionJws(
  assertion: string,
  k: AssertionKey,
  expect: AssertionExpectations,
): { payload: Record<string, unknown> } | { failure: AssertionFailure } {
  const signatureFailure = { failure: { kind: 'signature' } } as const
  const parts = assertion.split('.')
  if (parts.length !== 3) return signatureFailure
  const [h = '', p = '', s = ''] = parts
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) return signatureFailure
  const header = parseObject(h)
  if (header === null || header['alg'] !== k.alg || header['crit'] !== undefined) return signatureFailure
  if (!signatureValid(k, Buffer.from(`${h}.${p}`, 'ascii'), Buffer.from(s, 'base64url'))) return signatureFailure
  const payload = parseObject(p)
  if (payload === null) return signatureFailure // jose: JWTInvalid, reported as a failed verification

  const claim = (name: string) => ({ failure: { kind: 'claim', claim: name } }) as const
  for (const name of ['iss', 'sub', 'aud', 'jti', 'exp']) if (!Object.hasOwn(payload, name)) return claim(name)
  if (payload['iss'] !== expect.issuer) return claim('iss')
  if (payload['sub'] !== expect.subject) return claim('sub')
  const aud = payload['aud']
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  if (!expect.audiences.some((a) => audiences.includes(a))) return claim('aud')
  const { nowSeconds: now, clockToleranceSeconds: tolerance } = expect
  if (payload['iat'] !== undefined && typeof payload['iat'] !== 'number') return claim('iat')
  const nbf = payload['nbf']
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) return claim('nbf')
  const exp = payload['exp']
  if (typeof exp !== 'number') return claim('exp')
  if (exp <= now - tolerance) return { failure: { kind: 'expired' } }
  return { payload }
}
