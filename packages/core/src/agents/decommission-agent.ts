import { withAudit } from '../audit/with-audit.js'
import { loadAgentToChange } from '../authz/authority.js'
import { requireScope } from '../authz/scopes.js'
import { agentNotFound } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'

/**
 * `DELETE /agents/{id}` (agents:write): irreversible. Revokes every credential; the agent's
 * outstanding tokens fail the liveness check from then on. Decommissioning twice is a no-op.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2).
 * @throws {IdpError} CONFLICT when callers would decommission themselves.
 */
export async function decommissionAgent(deps: Deps, ctx: RequestContext, agentId: string): Promise<void> {
  requireScope(ctx, 'agents:write')
  await withAudit(deps, async (tx, audit) => {
    const agent = await loadAgentToChange(deps, ctx, tx, agentId)
    if (agent.status === 'decommissioned') return
    if (agentId === ctx.auth.agentId) throw new IdpError('CONFLICT', 'An agent cannot decommission itself')
    const orgId = agent.organizationId
    const now = deps.clock()
    const row = await tx.agents.update(orgId, agentId, { status: 'decommissioned', updatedAt: now })
    if (row === null) throw agentNotFound()
    const revoked = await tx.credentials.revokeAllForAgent(orgId, agentId, now)
    await tx.members.remove(orgId, agentId)
    await audit({
      organizationId: orgId,
      action: 'agent.decommissioned',
      actor: ctx.auth.agentId,
      agentId,
      ip: ctx.ip,
      details: { credentialsRevoked: revoked },
    })
  })
}
