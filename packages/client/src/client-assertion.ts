/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect Core §9): the agent signs a
 * short-lived JWT with its own private key; the IdP checks it against the public JWK the agent
 * registered. The private key never leaves the agent.
 *
 * @module
 */
import { SignJWT, importJWK, type JWK } from 'jose'

/** Signature algorithms the IdP accepts for agent keys. */
export type AgentKeyAlg = 'ES256' | 'EdDSA' | 'RS256' | 'PS256'

const ALGS: readonly AgentKeyAlg[] = ['ES256', 'EdDSA', 'RS256', 'PS256']

/** The algorithm of a private JWK: its `alg`, else the default of its key type. */
export function algorithmOf(jwk: JWK): AgentKeyAlg {
  const alg = ALGS.find((a) => a === jwk.alg)
  if (alg !== undefined) return alg
  if (jwk.alg !== undefined) throw new TypeError(`unsupported key algorithm ${jwk.alg}`)
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256'
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA'
  if (jwk.kty === 'RSA') return 'RS256'
  throw new TypeError('unsupported private key: EC P-256, Ed25519 or RSA expected')
}

/** Input of {@link signClientAssertion}. */
export interface ClientAssertionInput {
  /** `iss` and `sub`: the agent id. */
  clientId: string
  /** `aud`: the IdP's issuer identifier (or its token endpoint). */
  audience: string
  /** The agent's private JWK (`d` present). */
  privateKey: JWK
  /** Lifetime of the assertion in seconds (the IdP accepts at most 300). @default 60 */
  ttlSeconds?: number
  now?: Date
}

/**
 * Signs a client assertion: `iss` = `sub` = client id, `aud`, `iat`, `exp`, a random `jti`
 * (the IdP rejects a replayed `jti`), `kid` from the JWK.
 *
 * @example
 * const assertion = await signClientAssertion({ clientId: agentId, audience: issuer, privateKey })
 */
export async function signClientAssertion(input: ClientAssertionInput): Promise<string> {
  if (typeof input.privateKey.d !== 'string') throw new TypeError('privateKey must be a private JWK (with "d")')
  const alg = algorithmOf(input.privateKey)
  const key = await importJWK(input.privateKey, alg)
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg, typ: 'JWT', ...(input.privateKey.kid === undefined ? {} : { kid: input.privateKey.kid }) })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (input.ttlSeconds ?? 60))
    .setJti(crypto.randomUUID())
    .sign(key)
}
