/**
 * RFC 8693 token exchange for delegation (SPEC §8) at `POST /oauth2/token`: the delegatee presents
 * `subject_token` = a delegation token (`urn:ietf:params:oauth:token-type:jwt`) and `actor_token` =
 * its own access token (`urn:ietf:params:oauth:token-type:access_token`), and receives an access
 * token with `sub` = the chain's root delegator, `act` = the chain of actors (outermost = itself),
 * `delegation_id` = the link, and scope ⊆ delegated ∩ requested.
 *
 * Client authentication (RFC 8693 §2.1 leaves it to the server): REQUIRED, as for every grant of
 * this token endpoint. The authenticated client must belong to the delegatee, and the actor token
 * must be a live, non-delegated access token of that same agent. The delegation token's `may_act`
 * and the stored link must both name it; anyone else presenting the token gets `invalid_grant`.
 *
 * @module
 */
import { withAudit } from '../audit/with-audit.js'
import { isScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { AccessTokenClaims, OAuthRequest, TokenResponse } from '../idp.js'
import { newId } from '../internal/crypto.js'
import type { Scope } from '../model.js'
import type { AuthenticatedClient } from '../oauth/client-auth.js'
import { param } from '../oauth/params.js'
import { readDelegationToken } from '../tokens/delegation-token.js'
import { signJws } from '../tokens/jws.js'
import { isTokenLive, verifyAccessTokenSignature } from '../tokens/verify-access-token.js'
import { actClaim, chainSummary, delegationStatus } from './delegation-chain.js'

/** RFC 8693 §2.1 grant type. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'
/** RFC 8693 §3 token type identifiers. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

const invalidGrant = (detail: string) => new IdpError('INVALID_GRANT', detail)

function requireType(req: OAuthRequest, name: string, expected: string): void {
  const value = param(req, name, true)
  if (value !== expected) throw new IdpError('INVALID_REQUEST', `Unsupported ${name}; expected ${expected}`)
}

/** Scope ⊆ grantable; no `scope` parameter means all of it. @throws {IdpError} INVALID_SCOPE */
function exchangedScopes(requested: string | undefined, grantable: readonly Scope[]): Scope[] {
  const asked = requested === undefined ? [...grantable] : [...new Set(requested.split(' ').filter((s) => s !== ''))]
  if (asked.length === 0 || asked.some((s) => !isScope(s) || !grantable.includes(s))) {
    throw new IdpError('INVALID_SCOPE', 'The requested scope exceeds the delegated scope')
  }
  return asked.filter(isScope)
}

/**
 * Handles the token-exchange grant for an authenticated client.
 *
 * @throws {IdpError} INVALID_REQUEST for missing parameters or unsupported token types.
 * @throws {IdpError} INVALID_GRANT when the delegation token is invalid, revoked, expired or
 *   inactive, not meant for this client's agent, or the actor token is not the delegatee's own.
 * @throws {IdpError} INVALID_SCOPE for a scope beyond the delegation.
 */
export async function exchangeDelegationToken(deps: Deps, req: OAuthRequest, client: AuthenticatedClient): Promise<TokenResponse> {
  const subjectToken = param(req, 'subject_token', true)
  requireType(req, 'subject_token_type', JWT_TOKEN_TYPE)
  const actorToken = param(req, 'actor_token', true)
  requireType(req, 'actor_token_type', ACCESS_TOKEN_TYPE)
  const requestedType = param(req, 'requested_token_type')
  if (requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE) {
    throw new IdpError('INVALID_REQUEST', `Unsupported requested_token_type; only ${ACCESS_TOKEN_TYPE} is issued`)
  }
  const { agent, credential, key, clientId } = client
  const orgId = agent.organizationId

  const subject = await readDelegationToken(deps, subjectToken)
  if (subject === null || subject.organization_id !== orgId) throw invalidGrant('The subject_token is not a valid delegation token')
  // The actor token proves who is acting: the client's own agent, with its own (non-delegated) token.
  const actor = await verifyAccessTokenSignature(deps, actorToken)
  if (
    actor === null ||
    actor.organization_id !== orgId ||
    actor.sub !== agent.agentId ||
    actor.act !== undefined ||
    actor.delegation_id !== undefined ||
    !(await isTokenLive(deps, actor))
  ) {
    throw invalidGrant('The actor_token is not a valid access token of the authenticated client')
  }
  // may_act (RFC 8693 §4.4): only the named delegatee may exchange the delegation.
  if (subject.may_act.sub !== agent.agentId) throw invalidGrant('This delegation was not issued to the actor')
  const { state, lineage } = await delegationStatus(deps, orgId, subject.jti)
  const link = lineage.at(-1)
  const root = lineage[0]
  if (state !== 'live' || link === undefined || root === undefined) {
    throw invalidGrant(state === 'missing' ? 'Unknown delegation' : `The delegation is ${state}`)
  }
  if (link.delegateeAgentId !== agent.agentId) throw invalidGrant('This delegation was not issued to the actor')

  // The root delegator may have lost scopes since it delegated: never issue more than it holds now.
  const principal = await deps.storage.agents.find(orgId, root.delegatorAgentId)
  const grantable = link.scopes.filter((s) => principal?.scopes.includes(s) === true)
  const scopes = exchangedScopes(param(req, 'scope'), grantable)

  const iat = Math.floor(deps.clock().getTime() / 1000)
  const chainEnd = Math.min(...lineage.map((d) => Math.floor(d.expiresAt.getTime() / 1000)))
  const exp = Math.min(iat + deps.opts.tokens.accessTokenTtlSeconds, chainEnd)
  if (exp <= iat) throw invalidGrant('The delegation is expired')
  const act = actClaim(lineage)
  const claims: AccessTokenClaims = {
    iss: deps.opts.issuer,
    sub: root.delegatorAgentId,
    aud: deps.opts.tokens.audience,
    client_id: clientId,
    scope: scopes.join(' '),
    agent_id: root.delegatorAgentId,
    organization_id: orgId,
    iat,
    exp,
    jti: newId(),
    // Bound to what the delegatee authenticated with: revoking or rotating it kills this token too.
    ...(credential !== null
      ? { credential_id: credential.credentialId, credential_generation: credential.generation }
      : { agent_key_id: key.kid }),
    act,
    delegation_id: link.chainId,
  }
  const token = await signJws(await deps.keys.current(), { typ: 'at+jwt' }, { ...claims })
  await withAudit(deps, (_tx, audit) =>
    audit({
      organizationId: orgId,
      action: 'token.exchanged',
      actor: agent.agentId,
      agentId: root.delegatorAgentId,
      ip: req.ip,
      details: {
        jti: claims.jti,
        clientId,
        grantType: TOKEN_EXCHANGE_GRANT_TYPE,
        scope: claims.scope,
        chainId: link.chainId,
        act,
        chain: chainSummary(lineage),
        expiresAt: exp,
      },
    }),
  )
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: exp - iat,
    scope: claims.scope,
    issued_token_type: ACCESS_TOKEN_TYPE,
  }
}
