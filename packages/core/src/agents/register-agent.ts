import { normalizePublicJwk } from '../agent-keys/public-jwk.js'
import { storeAgentKey } from '../agent-keys/store-agent-key.js'
import { withAudit } from '../audit/with-audit.js'
import { HookVeto, recordVeto, runHooks } from '../extensions/run-hooks.js'
import { assertGrantable, assertKnownScopes, isPlatformAdmin, requireScope } from '../authz/scopes.js'
import { isPlatformOrganization } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import type { RequestContext } from '../context.js'
import { newId } from '../internal/crypto.js'
import { validate } from '../internal/validate.js'
import type { Agent } from '../model.js'
import { organizationNotFound } from '../organizations/read-organizations.js'
import { RegisterAgentBody, type AgentView } from './agent-schemas.js'
import { agentView } from '../views.js'

/**
 * `POST /agents` (agents:write). The organization is the caller's; `organizationId` in the body is
 * honoured for platform administrators only. Scopes default to none and cannot exceed the caller's.
 * @throws {IdpError} CONFLICT for a duplicate email in the organization; whatever a `beforeAgentCreate` hook refuses with
 *   (the billing plugin's plan cap: AGENT_LIMIT_REACHED).
 */
export async function registerAgent(deps: Deps, ctx: RequestContext, input: RegisterAgentBody): Promise<AgentView> {
  requireScope(ctx, 'agents:write')
  const body = validate(RegisterAgentBody, input)
  const organizationId =
    isPlatformAdmin(ctx) && body.organizationId !== undefined ? body.organizationId : ctx.auth.organizationId
  const scopes = body.scopes ?? []
  assertKnownScopes(deps.registry.isScope, scopes)
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
  try {
    await withAudit(deps, async (tx, audit) => {
      const org = await tx.organizations.find(organizationId)
      if (org === null) throw organizationNotFound()
      assertGrantable(ctx, scopes, await isPlatformOrganization(tx, organizationId))
      // Extensions' policies see the agent about to be created, inside its transaction. Core sets no
      // agent cap of its own: a plan's cap is a policy of a plugin (`@sentryagent/plugin-billing`).
      const hooks = await runHooks(deps, 'beforeAgentCreate', { ctx, organization: org, agent, tx })
      await tx.agents.insert(agent)
      await audit({
        organizationId,
        action: 'agent.created',
        actor: ctx.auth.agentId,
        agentId: agent.agentId,
        ip: ctx.ip,
        details: { name: agent.name, agentType: agent.agentType, scopes, ...(hooks === undefined ? {} : { hooks }) },
      })
      if (firstKey !== undefined) {
        await storeAgentKey(tx, audit, { agent, jwk: firstKey, generated: false, actor: ctx.auth.agentId, ip: ctx.ip, now })
      }
    })
  } catch (err) {
    // The refusal is audited after the agent's transaction rolled back, in a transaction of its own.
    if (err instanceof HookVeto) await recordVeto(deps, err, { organizationId, actor: ctx.auth.agentId, ip: ctx.ip, operation: 'agent.created' })
    throw err
  }
  return agentView(deps.opts.issuer, agent)
}
