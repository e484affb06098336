import type { Deps } from './deps.js'
import { IdpError } from './errors.js'
import { requireAgentCaller } from './extensions/contexts.js'
import type { AgentInfo, RequestContext } from './context.js'
import { agentDid } from './views.js'

/** `GET /agent-info`: identity claims of the authenticated agent. */
export async function agentInfo(deps: Deps, ctx: RequestContext): Promise<AgentInfo> {
  requireAgentCaller(ctx)
  const agent = await deps.storage.agents.find(ctx.auth.organizationId, ctx.auth.agentId)
  if (agent === null) throw new IdpError('INVALID_TOKEN', 'The agent no longer exists')
  return {
    sub: agent.agentId,
    agent_id: agent.agentId,
    organization_id: agent.organizationId,
    client_id: ctx.auth.clientId,
    scope: ctx.auth.claims.scope,
    name: agent.name,
    agent_type: agent.agentType,
    version: agent.version,
    did: agentDid(deps.opts.issuer, agent.agentId),
    status: agent.status,
    ...(ctx.auth.claims.act === undefined ? {} : { act: ctx.auth.claims.act }),
  }
}
