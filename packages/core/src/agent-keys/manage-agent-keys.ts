/**
 * `GET /agents/{id}/keys` (agents:read) and `DELETE /agents/{id}/keys/{kid}` (agents:write).
 * A removed key stays listed with `removedAt`; from the removal on it authenticates nothing, leaves
 * the agent's DID document, and tokens obtained with it are rejected.
 *
 * @module
 */
import type { AgentKeyView } from '../agent-identity-schemas.js'
import { withAudit } from '../audit/with-audit.js'
import { loadAgentToChange } from '../authz/authority.js'
import { requireScope } from '../authz/scopes.js'
import { loadAgent } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import { agentKeyView } from './agent-key-view.js'

/**
 * Lists an agent's keys, active and removed, ordered by creation.
 * @throws {IdpError} NOT_FOUND (also for other organizations' agents).
 */
export async function listAgentKeys(deps: Deps, ctx: RequestContext, agentId: string): Promise<{ items: AgentKeyView[] }> {
  requireScope(ctx, 'agents:read')
  const agent = await loadAgent(deps, ctx, agentId)
  const keys = await deps.storage.agentKeys.listByAgent(agent.organizationId, agent.agentId)
  return { items: keys.map(agentKeyView) }
}

/**
 * Removes an active key.
 * @throws {IdpError} NOT_FOUND when the agent or an active key `kid` of it is not found.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2).
 */
export async function removeAgentKey(deps: Deps, ctx: RequestContext, agentId: string, kid: string): Promise<void> {
  requireScope(ctx, 'agents:write')
  await withAudit(deps, async (tx, audit) => {
    const agent = await loadAgentToChange(deps, ctx, tx, agentId)
    const removed = await tx.agentKeys.remove(agent.organizationId, agent.agentId, kid, deps.clock())
    if (removed === null) throw new IdpError('NOT_FOUND', 'Key not found')
    await audit({
      organizationId: agent.organizationId,
      action: 'key.removed',
      actor: ctx.auth.agentId,
      agentId: agent.agentId,
      ip: ctx.ip,
      details: { kid, alg: removed.alg },
    })
  })
}
