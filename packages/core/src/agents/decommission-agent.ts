import { withAudit } from '../audit/with-audit.js'
import { requireScope } from '../authz/scopes.js'
import { agentNotFound, loadAgent } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../context.js'

/**
 * `DELETE /agents/{id}` (agents:write): irreversible. Revokes every credential; the agent's
 * outstanding tokens fail the liveness check from then on. Decommissioning twice is a no-op.
 * @throws {IdpError} CONFLICT when callers would decommission themselves.
 */
export async function decommissionAgent(deps: Deps, ctx: RequestContext, agentId: string): Promise<void> {
  requireScope(ctx, 'agents:write')
  const agent = await loadAgent(deps, ctx, agentId)
  if (agent.status === 'decommissioned') return
  if (agentId === ctx.auth.agentId) throw new IdpError('CONFLICT', 'An agent cannot decommission itself')
  const orgId = agent.organizationId
  await withAudit(deps, async (tx, audit) => {
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
