/**
 * The public marketplace (SPEC §7): read-only search over agents that their organization published
 * (`isPublic`), that are active, and whose organization is active. No token; nothing private (email,
 * scopes, organization id, keys) appears in its view. `publisher` is the organization's slug.
 *
 * @module
 */
import { MarketplaceQuery, type MarketplaceAgentView } from './marketplace-schemas.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import { validate } from '../internal/validate.js'
import type { Page } from '../model.js'
import type { MarketplaceListing } from '../ports/storage.js'
import { agentDid } from '../views.js'
import { pageOf } from '../schema-kit.js'

/** The public view of a listed agent. */
export function marketplaceAgentView(issuer: string, { agent, publisher }: MarketplaceListing): MarketplaceAgentView {
  return {
    agentId: agent.agentId,
    did: agentDid(issuer, agent.agentId),
    name: agent.name,
    description: agent.description,
    agentType: agent.agentType,
    version: agent.version,
    capabilities: [...agent.capabilities],
    owner: agent.owner,
    deploymentEnv: agent.deploymentEnv,
    publisher: { slug: publisher.slug, name: publisher.name },
    createdAt: agent.createdAt.toISOString(),
  }
}

/**
 * `GET /marketplace/agents?q=&capability=&publisher=&limit=&cursor=` (public).
 *
 * @example
 * const { items } = await idp.marketplace.search({ capability: 'documents:read' })
 * @throws {IdpError} VALIDATION_ERROR for a bad query or cursor.
 */
export async function searchMarketplace(deps: Deps, query: MarketplaceQuery): Promise<Page<MarketplaceAgentView>> {
  const q = validate(MarketplaceQuery, query)
  const page = await deps.storage.marketplace.search(
    { q: q.q, capability: q.capability, publisher: q.publisher },
    pageOf(q),
  )
  return { items: page.items.map((l) => marketplaceAgentView(deps.opts.issuer, l)), nextCursor: page.nextCursor }
}

/**
 * `GET /marketplace/agents/{id}` (public).
 * @throws {IdpError} NOT_FOUND unless the agent is public, active and its organization active.
 */
export async function getMarketplaceAgent(deps: Deps, agentId: string): Promise<MarketplaceAgentView> {
  const listing = await deps.storage.marketplace.find(agentId)
  if (listing === null) throw new IdpError('NOT_FOUND', 'Agent not found')
  return marketplaceAgentView(deps.opts.issuer, listing)
}
