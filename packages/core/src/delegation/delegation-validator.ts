/**
 * RFC 8693 token exchange for delegation (SPEC §8), registered as core's subject-token validator
 * for the IdP's own issuer — exactly as an extension registers one. The delegatee presents
 * `subject_token` = a delegation token (`urn:ietf:params:oauth:token-type:jwt`) and `actor_token` =
 * its own access token (`urn:ietf:params:oauth:token-type:access_token`), and receives an access
 * token with `sub` = the chain's root delegator, `act` = the chain of actors (outermost = itself),
 * `delegation_id` = the link, and scope ⊆ delegated ∩ requested.
 *
 * Client authentication (RFC 8693 §2.1 leaves it to the server): REQUIRED. The authenticated client
 * must belong to the delegatee, and the actor token must be a live, non-delegated access token of
 * that same agent. The delegation token's `may_act` and the stored link must both name it; anyone
 * else presenting the token gets `invalid_grant`.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { SubjectTokenValidator } from '../extensions/extension.js'
import { invalidClient } from '../oauth/client-auth.js'
import { ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE } from '../oauth/grants/token-exchange.js'
import { readDelegationToken } from '../tokens/delegation-token.js'
import { isTokenLive, verifyAccessTokenSignature } from '../tokens/verify-access-token.js'
import { actClaim, chainSummary, recallDelegationStatus } from './delegation-chain.js'


const invalidGrant = (detail: string) => new IdpError('INVALID_GRANT', detail)

/**
 * Core's delegation validator. `depsOf` returns the IdP's deps (they are built after the registry
 * that holds this validator).
 *
 * @throws {IdpError} INVALID_REQUEST for a missing actor token or an unsupported actor token type.
 * @throws {IdpError} INVALID_GRANT when the delegation token is invalid, revoked, expired or
 *   inactive, not meant for this client's agent, or the actor token is not the delegatee's own.
 * @throws {IdpError} INVALID_SCOPE for a scope beyond the delegation.
 */
export function createDelegationValidator(issuer: string, depsOf: () => Deps): SubjectTokenValidator {
  return {
    tokenTypes: [JWT_TOKEN_TYPE],
    // Delegation tokens are this IdP's own: routed by its issuer, like any other validator's.
    issuers: [issuer],
    clientAuthentication: 'required',
    async exchange(req, api) {
      const deps = depsOf()
      const actorToken = req.requireParam('actor_token')
      if (req.requireParam('actor_token_type') !== ACCESS_TOKEN_TYPE) {
        throw new IdpError('INVALID_REQUEST', `Unsupported actor_token_type; expected ${ACCESS_TOKEN_TYPE}`)
      }
      if (req.client === null) throw invalidClient('Client authentication is required')
      const { agent, credential, key, clientId } = req.client
      const orgId = agent.organizationId

      const subject = await readDelegationToken(deps, req.subjectToken)
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
      const { state, lineage, agents } = await recallDelegationStatus(deps, orgId, subject.jti)
      const link = lineage.at(-1)
      const root = lineage[0]
      if (state !== 'live' || link === undefined || root === undefined) {
        throw invalidGrant(state === 'missing' ? 'Unknown delegation' : `The delegation is ${state}`)
      }
      if (link.delegateeAgentId !== agent.agentId) throw invalidGrant('This delegation was not issued to the actor')

      // The root delegator may have lost scopes since it delegated: never issue more than it holds now
      // (as read with the live chain: a scope change is audited, so it also ends a memoised read).
      const principal = agents?.find((a) => a.agentId === root.delegatorAgentId) ?? (await deps.storage.agents.find(orgId, root.delegatorAgentId))
      if (principal === null) throw invalidGrant('The delegation is inactive')
      const grantable = link.scopes.filter((s) => principal.scopes.includes(s))
      const scopes = api.narrowScopes(req.param('scope'), grantable)
      if (scopes.length === 0) throw new IdpError('INVALID_SCOPE', 'Nothing of the delegated scope can be granted')
      const act = actClaim(lineage)
      return {
        subject: principal,
        clientId,
        // Bound to what the delegatee authenticated with: revoking or rotating it kills this token too.
        binding: credential !== null ? { kind: 'credential', credential } : { kind: 'agentKey', key },
        scopes,
        act,
        delegationId: link.chainId,
        notAfter: new Date(Math.min(...lineage.map((d) => d.expiresAt.getTime()))),
        issuedTokenType: ACCESS_TOKEN_TYPE,
        audit: {
          action: 'token.exchanged',
          actor: agent.agentId,
          agentId: root.delegatorAgentId,
          details: { chainId: link.chainId, act, chain: chainSummary(lineage) },
        },
      }
    },
  }
}
