/**
 * `DELETE /oauth2/token/delegate/{chainId}` (SPEC §8): revokes a link and, atomically, every
 * sub-delegation below it. Tokens obtained through any of them fail the liveness check from then on:
 * the check reads the stored chain, or the liveness memo's copy of a live one, which the
 * `delegation.revoked` event (one for the whole cascade) clears in this process before the response
 * and announces to the others. Ancestors and sibling links are untouched.
 *
 * @module
 */
import { withAudit } from '../audit/with-audit.js'
import { assertAuthorityOver } from '../authz/authority.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../context.js'
import { actingAgentId, chainSummary } from './delegation-chain.js'

/**
 * Revokes `chainId` and its descendants. Allowed to a delegator anywhere along the chain (the link's
 * own delegator or an upstream one) and to holders of `agents:write` in the organization who have
 * authority (SPEC §2) over every delegator along the chain. Revoking a revoked link is a no-op.
 *
 * @example
 * await idp.delegation.revoke(ctx, chainId)
 * @throws {IdpError} NOT_FOUND for an unknown id or another organization's.
 * @throws {IdpError} INSUFFICIENT_SCOPE for any other caller.
 */
export async function revokeDelegation(deps: Deps, ctx: RequestContext, chainId: string): Promise<void> {
  const orgId = ctx.auth.organizationId
  const caller = actingAgentId(ctx)
  await withAudit(deps, async (tx, audit) => {
    const lineage = await tx.delegations.lineage(orgId, chainId)
    if (lineage.at(-1)?.chainId !== chainId) throw new IdpError('NOT_FOUND', 'Delegation not found')
    const isDelegator = lineage.some((d) => d.delegatorAgentId === caller)
    if (!isDelegator) {
      if (!ctx.auth.scopes.includes('agents:write')) {
        throw new IdpError('INSUFFICIENT_SCOPE', 'Only a delegator of this chain or an agents:write holder may revoke it')
      }
      // Revoking someone else's delegation acts on the agents that delegated (SPEC §2).
      for (const delegatorId of new Set(lineage.map((d) => d.delegatorAgentId))) {
        const delegator = await tx.agents.find(orgId, delegatorId, { forUpdate: true })
        if (delegator !== null) assertAuthorityOver(ctx, delegator)
      }
    }
    const revoked = await tx.delegations.revokeCascade(orgId, chainId, deps.clock())
    if (revoked.length === 0) return
    await audit({
      organizationId: orgId,
      action: 'delegation.revoked',
      actor: caller,
      agentId: lineage.at(-1)?.delegateeAgentId ?? null,
      ip: ctx.ip,
      details: { chainId, revokedChainIds: revoked, cascaded: revoked.length - 1, chain: chainSummary(lineage) },
    })
  })
}
