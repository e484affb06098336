import { isPlatformAdmin, requireScope } from '../authz/scopes.js'
import { loadAgent } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import type { RequestContext } from '../context.js'
import { validate } from '../internal/validate.js'
import type { Page } from '../model.js'
import { ListAgentsQuery, type AgentView } from './agent-schemas.js'
import { agentView } from '../views.js'
import { pageOf } from '../schema-kit.js'

/** `GET /agents/{id}` (agents:read). Other organizations' agents are 404. */
export async function getAgent(deps: Deps, ctx: RequestContext, agentId: string): Promise<AgentView> {
  requireScope(ctx, 'agents:read')
  return agentView(deps.opts.issuer, await loadAgent(deps, ctx, agentId))
}

/** `GET /agents` (agents:read): the caller's organization (platform administrators may name one). */
export async function listAgents(deps: Deps, ctx: RequestContext, query: ListAgentsQuery): Promise<Page<AgentView>> {
  requireScope(ctx, 'agents:read')
  const q = validate(ListAgentsQuery, query)
  const organizationId = isPlatformAdmin(ctx) && q.organizationId !== undefined ? q.organizationId : ctx.auth.organizationId
  const page = await deps.storage.agents.list(
    organizationId,
    { status: q.status, agentType: q.agentType, owner: q.owner, q: q.q },
    pageOf(q),
  )
  return { items: page.items.map((a) => agentView(deps.opts.issuer, a)), nextCursor: page.nextCursor }
}
