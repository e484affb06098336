import { withAudit } from '../audit/with-audit.js'
import { loadAgentToChange } from '../authz/authority.js'
import { assertGrantable, requireScope } from '../authz/scopes.js'
import { agentNotFound, isPlatformOrganization } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import { validate } from '../internal/validate.js'
import { UpdateAgentBody, type AgentView } from '../schemas.js'
import { agentView } from '../views.js'

/**
 * `PATCH /agents/{id}` (agents:write): metadata, scopes (no escalation) and `status`
 * active ↔ suspended. Suspension rejects the agent's outstanding tokens at once.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2), or
 *   when the new scopes are not all the caller's.
 * @throws {IdpError} CONFLICT for a decommissioned agent, or when callers would suspend themselves.
 */
export async function updateAgent(deps: Deps, ctx: RequestContext, agentId: string, input: UpdateAgentBody): Promise<AgentView> {
  requireScope(ctx, 'agents:write')
  const body = validate(UpdateAgentBody, input)
  const updated = await withAudit(deps, async (tx, audit) => {
    const current = await loadAgentToChange(deps, ctx, tx, agentId)
    const orgId = current.organizationId
    if (body.scopes !== undefined) assertGrantable(ctx, body.scopes, await isPlatformOrganization(tx, orgId))
    if (current.status === 'decommissioned') throw new IdpError('CONFLICT', 'A decommissioned agent cannot be changed')
    if (body.status === 'suspended' && agentId === ctx.auth.agentId) {
      throw new IdpError('CONFLICT', 'An agent cannot suspend itself')
    }
    const { status, ...metadata } = body
    const row = await tx.agents.update(orgId, agentId, { ...body, updatedAt: deps.clock() })
    if (row === null) throw agentNotFound()
    const base = { organizationId: orgId, actor: ctx.auth.agentId, agentId, ip: ctx.ip }
    if (Object.keys(metadata).length > 0) await audit({ ...base, action: 'agent.updated', details: { changes: metadata } })
    if (status !== undefined && status !== current.status) {
      await audit({ ...base, action: status === 'suspended' ? 'agent.suspended' : 'agent.reactivated' })
    }
    return row
  })
  return agentView(deps.opts.issuer, updated)
}
