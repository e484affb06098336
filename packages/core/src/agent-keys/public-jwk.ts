/**
 * Validation and generation of agents' public JWKs (SPEC §4 keys, ARCHITECTURE decision 3): EC
 * P-256 (ES256), Ed25519 (EdDSA) and RSA of at least 2048 bits (RS256, PS256). Private members and
 * symmetric keys are refused, so that a private key can never reach storage by mistake.
 *
 * @module
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import { IdpError, type FieldError } from '../errors.js'

/** JWS algorithms an agent key may use. `alg: none` and HMAC are never accepted. */
export const AGENT_KEY_ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const
export type AgentKeyAlg = (typeof AGENT_KEY_ALGS)[number]

/** JWK members that carry private or symmetric key material (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const MIN_RSA_BITS = 2048
/** A `kid` usable in a DID URL fragment and a path segment. */
export const KID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/

/** A normalized public JWK: only public members, plus `kid`, `alg` and `use: sig`. */
export type NormalizedJwk = Record<string, string>

function invalid(errors: FieldError[]): IdpError {
  return new IdpError('VALIDATION_ERROR', errors.map((e) => e.message).join('; '), { errors })
}

const b64urlBits = (value: string): number => {
  const bytes = Buffer.from(value, 'base64url')
  let i = 0
  while (i < bytes.length && bytes[i] === 0) i++ // a leading zero octet is not part of the modulus length
  return (bytes.length - i) * 8
}

/** The algorithms a key of this type may sign with; the first is the default. */
function algsFor(jwk: Record<string, unknown>): readonly AgentKeyAlg[] | null {
  if (jwk['kty'] === 'EC' && jwk['crv'] === 'P-256') return ['ES256']
  if (jwk['kty'] === 'OKP' && jwk['crv'] === 'Ed25519') return ['EdDSA']
  if (jwk['kty'] === 'RSA') return ['RS256', 'PS256']
  return null
}

/**
 * Checks a public JWK and returns it normalized, with its `kid` (RFC 7638 thumbprint when absent).
 *
 * @param pointer JSON pointer of the JWK in the request, for field errors (`/publicJwk`).
 * @example
 * const jwk = await normalizePublicJwk({ kty: 'OKP', crv: 'Ed25519', x: '…' })
 * @throws {IdpError} VALIDATION_ERROR for private members, symmetric or unsupported key types, curves
 *   other than P-256/Ed25519, RSA below 2048 bits, an `alg` the key cannot use, or an invalid point.
 */
export async function normalizePublicJwk(input: Record<string, unknown>, pointer = '/publicJwk'): Promise<NormalizedJwk> {
  const present = PRIVATE_MEMBERS.filter((m) => input[m] !== undefined)
  if (present.length > 0) {
    // Security: refuse outright rather than strip, so the caller learns that it sent a secret.
    throw invalid(present.map((m) => ({ field: `${pointer}/${m}`, message: `private key member "${m}" is not accepted` })))
  }
  const algs = algsFor(input)
  if (algs === null) {
    throw invalid([{ field: pointer, message: 'key must be EC P-256, OKP Ed25519 or RSA (symmetric keys are not accepted)' }])
  }
  const errors: FieldError[] = []
  const alg = input['alg'] ?? algs[0]
  if (typeof alg !== 'string' || !(algs as readonly string[]).includes(alg)) {
    errors.push({ field: `${pointer}/alg`, message: `alg must be one of ${algs.join(', ')} for this key` })
  }
  if (input['use'] !== undefined && input['use'] !== 'sig') errors.push({ field: `${pointer}/use`, message: 'use must be "sig"' })
  const members = input['kty'] === 'RSA' ? ['n', 'e'] : input['kty'] === 'EC' ? ['crv', 'x', 'y'] : ['crv', 'x']
  for (const m of members) {
    if (typeof input[m] !== 'string' || input[m] === '') errors.push({ field: `${pointer}/${m}`, message: `${m} is required` })
  }
  if (input['kty'] === 'RSA' && typeof input['n'] === 'string' && b64urlBits(input['n']) < MIN_RSA_BITS) {
    errors.push({ field: `${pointer}/n`, message: `RSA keys must be at least ${MIN_RSA_BITS} bits` })
  }
  const kid = input['kid']
  if (kid !== undefined && (typeof kid !== 'string' || !KID_PATTERN.test(kid))) {
    errors.push({ field: `${pointer}/kid`, message: 'kid must be 1–128 characters of [A-Za-z0-9_.-]' })
  }
  if (errors.length > 0) throw invalid(errors)

  const jwk: NormalizedJwk = { kty: String(input['kty']) }
  for (const m of members) jwk[m] = String(input[m])
  try {
    await importJWK({ ...jwk }, String(alg)) // rejects points off the curve and malformed members
  } catch {
    throw invalid([{ field: pointer, message: 'not a valid public key' }])
  }
  jwk['kid'] = typeof kid === 'string' ? kid : await calculateJwkThumbprint({ ...jwk } as JWK, 'sha256')
  jwk['alg'] = String(alg)
  jwk['use'] = 'sig'
  return jwk
}

/**
 * Generates a key pair for an agent. The private JWK is returned to the caller once and never stored.
 *
 * @example
 * const { publicJwk, privateJwk } = await generateAgentKeyPair('ES256')
 */
export async function generateAgentKeyPair(alg: AgentKeyAlg): Promise<{ publicJwk: NormalizedJwk; privateJwk: Record<string, string> }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg.startsWith('RS') || alg.startsWith('PS') ? { modulusLength: 2048 } : {}) })
  const publicJwk = await normalizePublicJwk({ ...(await exportJWK(publicKey)), alg })
  const exported = await exportJWK(privateKey)
  const privateJwk: Record<string, string> = {}
  for (const [k, v] of Object.entries(exported)) if (typeof v === 'string') privateJwk[k] = v
  return { publicJwk, privateJwk: { ...privateJwk, kid: publicJwk['kid'] ?? '', alg, use: 'sig' } }
}
