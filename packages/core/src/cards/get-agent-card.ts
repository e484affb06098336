/**
 * `GET /agents/{id}/card` (agents:read, the caller's organization): the AGNTCY-style card or, with
 * `format=a2a`, the A2A `AgentCard`; with `signed=true` a compact JWS of it (`typ: agent-card+jwt`),
 * signed by the IdP key through `tokens/jws.ts` and verifiable with `/.well-known/jwks.json`.
 *
 * @module
 */
import { AgentCardQuery } from './card-schemas.js'
import { requireScope } from '../authz/scopes.js'
import { loadAgent } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import type { AgentCardResult, RequestContext } from '../context.js'
import { validate } from '../internal/validate.js'
import { signJws } from '../tokens/jws.js'
import { agentDid } from '../views.js'
import { a2aAgentCard, agentCard } from './agent-card.js'

/** JOSE `typ` of a signed agent card. */
export const AGENT_CARD_JWS_TYPE = 'agent-card+jwt'

/** A rendered card; `jws` is set when a signed card was asked for. */

/**
 * Renders (and optionally signs) the card of an agent of the caller's organization.
 *
 * @example
 * const { jws } = await idp.agentCards.get(ctx, agentId, { format: 'a2a', signed: true })
 * @throws {IdpError} NOT_FOUND (also for other organizations' agents).
 */
export async function getAgentCard(deps: Deps, ctx: RequestContext, agentId: string, query: AgentCardQuery): Promise<AgentCardResult> {
  requireScope(ctx, 'agents:read')
  const q = validate(AgentCardQuery, query)
  const agent = await loadAgent(deps, ctx, agentId)
  const now = deps.clock()
  let result: AgentCardResult
  if (q.format === 'a2a') {
    const org = await deps.storage.organizations.find(agent.organizationId)
    result = { format: 'a2a', card: a2aAgentCard(deps.opts.issuer, agent, { name: org?.name ?? agent.owner }) }
  } else {
    result = { format: 'agntcy', card: agentCard(deps.opts.issuer, agent, now) }
  }
  if (q.signed === true) {
    const payload = { ...result.card, iss: deps.opts.issuer, sub: agentDid(deps.opts.issuer, agent.agentId), iat: Math.floor(now.getTime() / 1000) }
    result.jws = await signJws(await deps.keys.current(), { typ: AGENT_CARD_JWS_TYPE }, payload)
  }
  return result
}
