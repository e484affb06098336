/**
 * `POST /oauth2/token/delegate` (SPEC §8): an agent hands another agent of its organization a
 * narrower, time-boxed slice of its authority. Called with a token obtained by token exchange (it
 * carries `delegation_id`), it is a re-delegation: allowed only while the parent link's `maxDepth`
 * allows, with scopes ⊆ the parent's and an expiry no later than the parent's.
 *
 * @module
 */
import { withAudit } from '../audit/with-audit.js'
import { assertKnownScopes, requireScope } from '../authz/scopes.js'
import { requireAgentCaller } from '../extensions/contexts.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import { challenge } from '../oauth/http-auth.js'
import type { RequestContext } from '../context.js'
import { newId } from '../internal/crypto.js'
import { validate } from '../internal/validate.js'
import type { Delegation } from '../model.js'
import { CreateDelegationBody, type DelegationView } from './delegation-schemas.js'
import { signDelegationToken } from '../tokens/delegation-token.js'
import { actingAgentId, chainSummary, delegationStatus } from './delegation-chain.js'

const invalidField = (field: string, message: string) =>
  new IdpError('VALIDATION_ERROR', message, { errors: [{ field, message }] })

/** The parent link when `ctx` is a delegated token, after checking it may be re-delegated. */
async function parentLink(deps: Deps, ctx: RequestContext): Promise<Delegation[]> {
  const parentId = ctx.auth.claims.delegation_id
  if (parentId === undefined) return []
  const { state, lineage } = await delegationStatus(deps, ctx.auth.organizationId, parentId)
  const parent = lineage.at(-1)
  if (state !== 'live' || parent === undefined) {
    throw new IdpError('INVALID_TOKEN', 'The delegation behind this token is no longer valid', {
      headers: { 'www-authenticate': challenge('Bearer', { error: 'invalid_token' }) },
    })
  }
  if (parent.depth >= parent.maxDepth) {
    throw new IdpError('INVALID_REQUEST', `This delegation cannot be re-delegated (maxDepth ${parent.maxDepth} reached)`)
  }
  return lineage
}

/**
 * Creates a delegation from the calling agent (the actor of a delegated token) to
 * `input.delegateeAgentId`, and returns its token.
 *
 * @example
 * const { delegationToken, chainId } = await idp.delegation.create(ctx, { delegateeAgentId, scopes: ['agents:read'], ttlSeconds: 600 })
 * @throws {IdpError} INSUFFICIENT_SCOPE without `delegation:write`, or for scopes the caller's token lacks.
 * @throws {IdpError} VALIDATION_ERROR for self-delegation, an unknown, inactive or other-organization
 *   delegatee, an agent already in the chain, a `maxDepth` above the parent's, or an expiry beyond the parent's.
 * @throws {IdpError} INVALID_REQUEST when the parent link's `maxDepth` is reached.
 */
export async function createDelegation(deps: Deps, ctx: RequestContext, input: CreateDelegationBody): Promise<DelegationView> {
  requireScope(ctx, 'delegation:write')
  requireAgentCaller(ctx)
  const body = validate(CreateDelegationBody, input)
  assertKnownScopes(deps.registry.isScope, body.scopes)
  const orgId = ctx.auth.organizationId
  const delegatorAgentId = actingAgentId(ctx)
  const ancestors = await parentLink(deps, ctx)
  const parent = ancestors.at(-1)

  // No escalation: a delegation carries at most what the presented token carries (for a delegated
  // token that is already ⊆ the parent link), and never more than the parent link itself.
  const missing = body.scopes.filter((s) => !ctx.auth.scopes.includes(s) || (parent !== undefined && !parent.scopes.includes(s)))
  if (missing.length > 0) {
    throw new IdpError('INSUFFICIENT_SCOPE', `Cannot delegate scopes the caller does not hold: ${missing.join(' ')}`)
  }
  if (body.delegateeAgentId === delegatorAgentId) throw invalidField('/delegateeAgentId', 'An agent cannot delegate to itself')
  const inChain = ancestors.some((d) => d.delegatorAgentId === body.delegateeAgentId || d.delegateeAgentId === body.delegateeAgentId)
  if (inChain) throw invalidField('/delegateeAgentId', 'The delegatee is already part of this delegation chain')
  // Other organizations' agents answer exactly like agents that do not exist.
  const delegatee = await deps.storage.agents.find(orgId, body.delegateeAgentId)
  if (delegatee === null) throw invalidField('/delegateeAgentId', 'No such agent in this organization')
  if (delegatee.status !== 'active') throw invalidField('/delegateeAgentId', 'The delegatee is not active')

  const maxDepth = body.maxDepth ?? parent?.maxDepth ?? 1
  if (parent !== undefined && maxDepth > parent.maxDepth) {
    throw invalidField('/maxDepth', `maxDepth cannot exceed the parent delegation's (${parent.maxDepth})`)
  }
  const now = deps.clock()
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000)
  const expiresAt = new Date(issuedAt.getTime() + body.ttlSeconds * 1000)
  if (parent !== undefined && expiresAt > parent.expiresAt) {
    throw invalidField('/ttlSeconds', `The delegation cannot outlive its parent (expires ${parent.expiresAt.toISOString()})`)
  }
  const chainId = newId()
  const delegation: Delegation = {
    chainId,
    organizationId: orgId,
    delegatorAgentId,
    delegateeAgentId: delegatee.agentId,
    scopes: body.scopes,
    maxDepth,
    depth: (parent?.depth ?? 0) + 1,
    parentChainId: parent?.chainId ?? null,
    rootChainId: parent?.rootChainId ?? chainId,
    issuedAt,
    expiresAt,
    revokedAt: null,
  }
  const delegationToken = await signDelegationToken(deps, delegation)
  await withAudit(deps, async (tx, audit) => {
    await tx.delegations.insert(delegation)
    await audit({
      organizationId: orgId,
      action: 'delegation.created',
      actor: delegatorAgentId,
      agentId: delegation.delegateeAgentId,
      ip: ctx.ip,
      details: {
        chainId,
        delegatorAgentId,
        delegateeAgentId: delegation.delegateeAgentId,
        scopes: delegation.scopes,
        maxDepth,
        depth: delegation.depth,
        parentChainId: delegation.parentChainId,
        rootChainId: delegation.rootChainId,
        expiresAt: expiresAt.toISOString(),
        chain: chainSummary([...ancestors, delegation]),
      },
    })
  })
  return {
    delegationToken,
    chainId,
    delegatorAgentId,
    delegateeAgentId: delegation.delegateeAgentId,
    scopes: delegation.scopes,
    maxDepth,
    depth: delegation.depth,
    parentChainId: delegation.parentChainId,
    issuedAt: issuedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
  }
}
