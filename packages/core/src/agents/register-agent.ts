import { normalizePublicJwk } from '../agent-keys/public-jwk.js'
import { storeAgentKey } from '../agent-keys/store-agent-key.js'
import { withAudit } from '../audit/with-audit.js'
import { assertGrantable, isPlatformAdmin, requireScope } from '../authz/scopes.js'
import { isPlatformOrganization } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import { newId } from '../internal/crypto.js'
import { validate } from '../internal/validate.js'
import type { Agent } from '../model.js'
import { organizationNotFound } from '../organizations/read-organizations.js'
import { RegisterAgentBody, type AgentView } from '../schemas.js'
import { agentView } from '../views.js'

/**
 * `POST /agents` (agents:write). The organization is the caller's; `organizationId` in the body is
 * honoured for platform administrators only. Scopes default to none and cannot exceed the caller's.
 * @throws {IdpError} CONFLICT for a duplicate email in the organization; AGENT_LIMIT_REACHED (403) at the plan's agent limit.
 */
export async function registerAgent(deps: Deps, ctx: RequestContext, input: RegisterAgentBody): Promise<AgentView> {
  requireScope(ctx, 'agents:write')
  const body = validate(RegisterAgentBody, input)
  const organizationId =
    isPlatformAdmin(ctx) && body.organizationId !== undefined ? body.organizationId : ctx.auth.organizationId
  const scopes = body.scopes ?? []
  // SPEC §4: `publicJwk` registers the agent's first key, in the same transaction as the agent.
  const firstKey = body.publicJwk === undefined ? undefined : await normalizePublicJwk(body.publicJwk)
  const now = deps.clock()
  const agent: Agent = {
    agentId: newId(),
    organizationId,
    name: body.name,
    email: body.email ?? null,
    agentType: body.agentType,
    version: body.version,
    capabilities: body.capabilities,
    owner: body.owner,
    deploymentEnv: body.deploymentEnv,
    description: body.description ?? null,
    scopes,
    isPublic: body.isPublic ?? false,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  }
  await withAudit(deps, async (tx, audit) => {
    const org = await tx.organizations.find(organizationId)
    if (org === null) throw organizationNotFound()
    assertGrantable(ctx, scopes, await isPlatformOrganization(tx, organizationId))
    if (org.maxAgents !== null && (await tx.agents.countLive(organizationId)) >= org.maxAgents) {
      throw new IdpError(
        'AGENT_LIMIT_REACHED',
        `The ${org.planTier} plan allows ${org.maxAgents} agents; decommission one or upgrade the plan`,
      )
    }
    await tx.agents.insert(agent)
    await audit({
      organizationId,
      action: 'agent.created',
      actor: ctx.auth.agentId,
      agentId: agent.agentId,
      ip: ctx.ip,
      details: { name: agent.name, agentType: agent.agentType, scopes },
    })
    if (firstKey !== undefined) {
      await storeAgentKey(tx, audit, { agent, jwk: firstKey, generated: false, actor: ctx.auth.agentId, ip: ctx.ip, now })
    }
  })
  return agentView(deps.opts.issuer, agent)
}
