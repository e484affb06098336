/**
 * Verifies access tokens of this IdP: signature against the published keys (jose), `typ: at+jwt`,
 * ES256 only (so `alg: none` and HS256-with-the-public-key are rejected), issuer, audience, expiry;
 * then that the token is live: not revoked, its credential active at the same generation, its agent
 * and organization active.
 *
 * @module
 */
import { jwtVerify, type JWTPayload } from 'jose'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { AccessTokenClaims, AuthContext } from '../context.js'
import { challenge, parseBearer } from '../oauth/http-auth.js'
import { idpKeySet } from './idp-key-set.js'
import { cachedClaims, rememberClaims } from './verified-token-cache.js'
import { forgetAll, isKnownLive, livenessKey, livenessTicket, lookupOnce, rememberLive } from './liveness-memo.js'
import { isTokenBindingLive } from './token-binding.js'
import { isDelegatedTokenLive } from '../delegation/delegation-chain.js'

/** Redis-style key of a revoked jti in the ephemeral store. */
export const revokedKey = (jti: string) => `revoked:${jti}`

/** `invalid_token` (401); the challenge carries an error only when a token was presented (RFC 6750 §3.1). */
function invalid(detail: string, presented: 'presented' | 'absent' = 'presented'): IdpError {
  return new IdpError('INVALID_TOKEN', detail, {
    headers: { 'www-authenticate': presented === 'presented' ? challenge('Bearer', { error: 'invalid_token', description: detail }) : challenge('Bearer') },
  })
}

function asClaims(p: JWTPayload): AccessTokenClaims | null {
  const str = (v: unknown) => typeof v === 'string' && v.length > 0
  if (
    !str(p.sub) ||
    !str(p.jti) ||
    !str(p.client_id) ||
    typeof p.scope !== 'string' ||
    !str(p.organization_id) ||
    // Bound to a credential (client secret), an agent key (private_key_jwt) or an extension's state.
    !((str(p.credential_id) && Number.isInteger(p.credential_generation)) || str(p.agent_key_id) || str(p.ext_binding)) ||
    typeof p.exp !== 'number' ||
    typeof p.iat !== 'number'
  ) {
    return null
  }
  return p as unknown as AccessTokenClaims
}

/** Cryptographic and claim checks only (no liveness). Returns `null` when the token is not valid. */
export async function verifyAccessTokenSignature(deps: Deps, token: string): Promise<AccessTokenClaims | null> {
  const jwks = await idpKeySet(deps)
  // The verdict also depends on the expected issuer and audience: they are part of the memo key.
  const memoKey = `${deps.opts.issuer}\u0000${String(deps.opts.tokens.audience)}\u0000${token}`
  const memoised = cachedClaims(deps.state.verifiedTokens, jwks, memoKey, deps.clock())
  if (memoised !== undefined) return memoised
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: deps.opts.issuer,
      audience: deps.opts.tokens.audience,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      currentDate: deps.clock(),
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    })
    const claims = asClaims(payload)
    if (claims !== null) rememberClaims(deps.state.verifiedTokens, jwks, memoKey, claims)
    return claims
  } catch {
    return null
  }
}

/** `true` when the jti is revoked (ephemeral cache first, then durable storage). */
export async function isRevoked(deps: Deps, jti: string): Promise<boolean> {
  try {
    if ((await deps.ephemeral.get(revokedKey(jti))) !== null) return true
  } catch (err) {
    // The ephemeral store is a cache in front of storage: when it is down (Redis outage), the
    // durable revocation list below still decides, so verification fails neither open nor closed.
    deps.log.warn({ err, event: 'ephemeral.unavailable' }, 'revocation cache unavailable; using storage')
  }
  return deps.storage.revocations.isRevoked(jti)
}

/** Liveness of verified claims: revocation, credential generation, agent and organization status. */
export async function isTokenLive(deps: Deps, c: AccessTokenClaims): Promise<boolean> {
  // A token obtained by delegation (RFC 8693) is bound to its actor's credential or key, and lives
  // only while its whole chain does (revocation, expiry, every agent along it active).
  const delegated = c.delegation_id !== undefined
  const memoKey = livenessKey(c)
  if (memoKey !== undefined && isKnownLive(deps, memoKey)) return true
  const ticket = livenessTicket(deps)
  const check = async () => {
    const [revoked, bindingLive, agent, org, chainLive] = await Promise.all([
      isRevoked(deps, c.jti),
      isTokenBindingLive(deps, delegated ? { ...c, sub: c.act?.sub ?? '' } : c),
      deps.storage.agents.find(c.organization_id, c.sub),
      deps.storage.organizations.find(c.organization_id),
      delegated ? isDelegatedTokenLive(deps, c) : true,
    ])
    return (
      !revoked &&
      bindingLive &&
      chainLive &&
      agent !== null &&
      agent.status === 'active' &&
      org !== null &&
      org.status === 'active'
    )
  }
  // Concurrent calls with the same token share one check (single flight).
  const live = memoKey === undefined ? await check() : await lookupOnce(deps, `live:${memoKey}`, check)
  if (live && memoKey !== undefined) rememberLive(deps, memoKey, ticket)
  // A token found dead by a fresh read means something changed, perhaps in another process whose
  // announcement has not arrived yet: nothing remembered before (a client's credential) is trusted.
  if (!live && ticket !== undefined && ticket === livenessTicket(deps)) forgetAll(deps)
  return live
}

/** Verifies a bearer token completely. @throws {IdpError} INVALID_TOKEN */
export async function authenticateBearer(deps: Deps, token: string | undefined): Promise<AuthContext> {
  if (token === undefined || token === '') throw invalid('Missing bearer token', 'absent')
  const claims = await verifyAccessTokenSignature(deps, token)
  if (claims === null) throw invalid('The access token is invalid or expired')
  if (!(await isTokenLive(deps, claims))) throw invalid('The access token has been revoked')
  const scopes = claims.scope.split(' ').filter(deps.registry.isScope)
  return {
    agentId: claims.sub,
    organizationId: claims.organization_id,
    clientId: claims.client_id,
    scopes,
    jti: claims.jti,
    expiresAt: new Date(claims.exp * 1000),
    isPlatformAdmin: scopes.includes('admin:orgs'),
    claims,
  }
}

/** Extracts the token of an `Authorization: Bearer …` header; `undefined` when absent. @throws {IdpError} INVALID_TOKEN when malformed */
export function bearerFromHeader(header: string | undefined): string | undefined {
  const token = parseBearer(header)
  if (token === '') throw invalid('Malformed Authorization header')
  return token
}
