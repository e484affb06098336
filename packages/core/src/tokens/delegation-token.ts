/**
 * Delegation tokens (SPEC §8): JWTs signed by the IdP key (assembled by `jws.ts`), header
 * `typ: delegation+jwt` so that they can never pass as an access token (`at+jwt`), `jti` = chain id.
 * The delegatee is named in `may_act` (RFC 8693 §4.4). Clients treat them as opaque; storage is the
 * authority on whether a chain is live, so reading a token checks the signature, type, issuer and
 * audience but not expiry (an expired delegation still verifies as `{ valid: false, reason: 'expired' }`).
 *
 * @module
 */
import { compactVerify } from 'jose'
import type { Deps } from '../deps.js'
import type { Delegation } from '../model.js'
import { idpKeySet } from './idp-key-set.js'
import { cachedClaims, rememberClaims } from './verified-token-cache.js'
import { signJws } from './jws.js'

/** JOSE `typ` of delegation tokens. */
export const DELEGATION_TOKEN_TYP = 'delegation+jwt'

/** Claims of a delegation token. */
export interface DelegationTokenClaims {
  iss: string
  /** The delegator of this link. */
  sub: string
  aud: string
  /** The chain id. */
  jti: string
  /** RFC 8693 §4.4: the only party allowed to act on this delegation. */
  may_act: { sub: string }
  scope: string
  max_depth: number
  depth: number
  /** Chain id of the parent link; absent on a root link. */
  parent?: string
  organization_id: string
  iat: number
  exp: number
}


/** Signs the delegation token of `d` with the IdP's current key. */
export async function signDelegationToken(deps: Deps, d: Delegation): Promise<string> {
  const claims: DelegationTokenClaims = {
    iss: deps.opts.issuer,
    sub: d.delegatorAgentId,
    aud: deps.opts.issuer,
    jti: d.chainId,
    may_act: { sub: d.delegateeAgentId },
    scope: d.scopes.join(' '),
    max_depth: d.maxDepth,
    depth: d.depth,
    ...(d.parentChainId === null ? {} : { parent: d.parentChainId }),
    organization_id: d.organizationId,
    iat: Math.floor(d.issuedAt.getTime() / 1000),
    exp: Math.floor(d.expiresAt.getTime() / 1000),
  }
  return signJws(await deps.keys.current(), { typ: DELEGATION_TOKEN_TYP }, { ...claims })
}

function asClaims(header: { typ?: unknown }, p: Record<string, unknown>, deps: Deps): DelegationTokenClaims | null {
  const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0
  const mayAct = p['may_act']
  if (
    header.typ !== DELEGATION_TOKEN_TYP ||
    p['iss'] !== deps.opts.issuer ||
    p['aud'] !== deps.opts.issuer ||
    !str(p['sub']) ||
    !str(p['jti']) ||
    !str(p['organization_id']) ||
    typeof p['scope'] !== 'string' ||
    typeof mayAct !== 'object' ||
    mayAct === null ||
    !str((mayAct as { sub?: unknown }).sub) ||
    !Number.isInteger(p['exp']) ||
    !Number.isInteger(p['iat'])
  ) {
    return null
  }
  return p as unknown as DelegationTokenClaims
}

/**
 * Checks a delegation token's signature (ES256 against the published keys), `typ`, issuer and
 * audience. Returns its claims, or `null` for anything else (garbage, access tokens, foreign keys).
 * Expiry and revocation are NOT checked here: the stored chain decides.
 */
export async function readDelegationToken(deps: Deps, token: string): Promise<DelegationTokenClaims | null> {
  const jwks = await idpKeySet(deps)
  // An agent exchanges the same delegation token again and again: the verdict for these bytes under
  // this key set cannot change (a new key set — rotation, removal — starts a new memo), so the ECDSA
  // verification runs once (it was the largest item of a token exchange's profile). Expiry and
  // revocation are still decided by the stored chain on every call.
  const memoKey = `${deps.opts.issuer}\u0000${token}`
  const memoised = cachedClaims(verifiedDelegationTokens, jwks, memoKey, deps.clock())
  if (memoised !== undefined) return memoised
  try {
    const { payload, protectedHeader } = await compactVerify(token, jwks, { algorithms: ['ES256'] })
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null
    const claims = asClaims(protectedHeader, parsed as Record<string, unknown>, deps)
    if (claims !== null) rememberClaims(verifiedDelegationTokens, jwks, memoKey, claims)
    return claims
  } catch {
    return null
  }
}

/** Verified delegation tokens per published key set (see `verified-token-cache.ts`). */
const verifiedDelegationTokens = new WeakMap<object, Map<string, DelegationTokenClaims>>()
