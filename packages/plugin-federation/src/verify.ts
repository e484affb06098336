/**
 * Verification of a foreign JWT (a workload's OIDC token, or a partner IdP's token): issuer
 * allow-list (a live partner, or an issuer some trust policy names), keys from the issuer's JWKS,
 * asymmetric algorithms only (RS256, ES256, EdDSA — never `none`, never HMAC, so a public key can
 * never be used as an HMAC secret), `typ`, `exp`/`nbf`/`iat` with skew, a maximum token age, and
 * the partner's organization allow-list. Audience and replay are checked by the caller (audience
 * depends on the policy; `/federation/verify` consumes nothing).
 *
 * @module
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose'
import { KeysUnavailableError, type KeySource } from './keys.js'
import { partnerIsLive, type Partner } from './model.js'
import type { FederationRepository } from './storage.js'

/** The only signature algorithms accepted. */
export const ALLOWED_ALGS = ['RS256', 'ES256', 'EdDSA'] as const
/** `typ` values accepted (absent is accepted too); anything else (e.g. `delegation+jwt`, `dpop+jwt`) is refused. */
const ALLOWED_TYP = new Set(['jwt', 'application/jwt', 'at+jwt', 'application/at+jwt'])

/** Why a token was refused (stable, for `/federation/verify` and logs). */
export type RefusalReason =
  | 'malformed'
  | 'unsupported_alg'
  | 'unsupported_typ'
  | 'untrusted_issuer'
  | 'partner_inactive'
  | 'keys_unavailable'
  | 'invalid_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'missing_claims'
  | 'organization_not_allowed'

export class TokenRefused extends Error {
  constructor(readonly reason: RefusalReason, message: string) {
    super(message)
    this.name = 'TokenRefused'
  }
}

export interface VerifiedForeignToken {
  issuer: string
  subject: string
  claims: JWTPayload
  partner: Partner | null
}

export interface VerifyOptions {
  keys: KeySource
  repo: () => FederationRepository
  clock: () => Date
  /** This IdP's issuer: never trusted as a foreign issuer. */
  ownIssuer: string
  clockSkewSeconds: number
  maxTokenAgeSeconds: number
}

/** Verifies `token`; throws {@link TokenRefused}. */
export async function verifyForeignToken(token: string, o: VerifyOptions): Promise<VerifiedForeignToken> {
  let header: ReturnType<typeof decodeProtectedHeader>
  let unverified: JWTPayload
  try {
    header = decodeProtectedHeader(token)
    unverified = decodeJwt(token)
  } catch {
    throw new TokenRefused('malformed', 'The token is not a signed JWT')
  }
  if (typeof header.alg !== 'string' || !(ALLOWED_ALGS as readonly string[]).includes(header.alg)) {
    throw new TokenRefused('unsupported_alg', `Algorithm ${String(header.alg)} is not accepted (RS256, ES256, EdDSA only)`)
  }
  if (header.typ !== undefined && !ALLOWED_TYP.has(header.typ.toLowerCase())) throw new TokenRefused('unsupported_typ', 'Unsupported token typ')
  const issuer = unverified.iss
  if (typeof issuer !== 'string' || issuer === '' || issuer === o.ownIssuer) throw new TokenRefused('untrusted_issuer', 'The token issuer is not trusted')

  const repo = o.repo()
  const partner = await repo.partnerByIssuer(issuer)
  if (partner !== null && !partnerIsLive(partner, o.clock())) throw new TokenRefused('partner_inactive', 'The partner is suspended or expired')
  if (partner === null && (await repo.policiesByIssuer(issuer)).length === 0) throw new TokenRefused('untrusted_issuer', 'The token issuer is not trusted')

  let keys
  try {
    keys = await o.keys.keys(issuer, partner?.jwksUri, typeof header.kid === 'string' ? header.kid : undefined)
  } catch (err) {
    if (err instanceof KeysUnavailableError) throw new TokenRefused('keys_unavailable', 'The issuer keys are unavailable')
    throw err
  }
  const now = o.clock()
  let claims: JWTPayload
  try {
    const result = await jwtVerify(token, createLocalJWKSet({ keys }), {
      algorithms: [...ALLOWED_ALGS],
      issuer,
      clockTolerance: o.clockSkewSeconds,
      maxTokenAge: o.maxTokenAgeSeconds,
      requiredClaims: ['exp', 'iat', 'sub'],
      currentDate: now,
    })
    claims = result.payload
  } catch (err) {
    throw refusal(err)
  }
  const nowSeconds = Math.floor(now.getTime() / 1000)
  if (typeof claims.iat === 'number' && claims.iat > nowSeconds + o.clockSkewSeconds) throw new TokenRefused('issued_in_future', 'The token is issued in the future')
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRefused('missing_claims', 'The token has no subject')
  if (partner !== null && !partner.allowedOrganizations.includes('*')) {
    const org = claims['organization_id']
    if (typeof org !== 'string' || !partner.allowedOrganizations.includes(org)) {
      throw new TokenRefused('organization_not_allowed', "The token's organization is not allowed for this partner")
    }
  }
  return { issuer, subject: claims.sub, claims, partner }
}

function refusal(err: unknown): TokenRefused {
  if (err instanceof errors.JWTExpired) {
    return err.claim === 'iat' ? new TokenRefused('too_old', 'The token is too old') : new TokenRefused('expired', 'The token is expired')
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new TokenRefused('not_yet_valid', 'The token is not valid yet')
    if (err.claim === 'iat') return new TokenRefused('issued_in_future', 'The token iat is invalid')
    return new TokenRefused('missing_claims', `The token claim ${err.claim} is invalid`)
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new TokenRefused('unsupported_alg', 'Algorithm not accepted')
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRefused('invalid_signature', 'The signature does not verify with the issuer keys')
  }
  return new TokenRefused('malformed', 'The token is invalid')
}

/** `true` when the token's `aud` (string or array) contains one of `accepted`. */
export function audienceMatches(aud: JWTPayload['aud'], accepted: readonly string[]): boolean {
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  return values.some((a) => accepted.includes(a))
}
