/**
 * In-memory {@link MarketplaceRepository}, part of `createMemoryStorage()`: a read-only view over
 * the agents and organizations maps that exposes only public, active agents of active organizations.
 *
 * @module
 */
import { fastClone } from '../internal/fast-clone.js'
import { decodeCursor, encodeCursor } from '../pagination/cursor.js'
import type { Agent, Organization } from '../model.js'
import type { MarketplaceListing, MarketplaceRepository } from '../ports/storage.js'

/** An organization as the memory storage keeps it (soft-deleted ones have `deletedAt`). */
export type MemoryOrganizationRow = Organization & { deletedAt: Date | null }

const clone = <T>(v: T): T => fastClone(v)

/**
 * The marketplace over the memory storage's maps (read only).
 *
 * @example
 * const repo = createMemoryMarketplaceRepository(state.agents, state.orgs)
 */
export function createMemoryMarketplaceRepository(
  agents: ReadonlyMap<string, Agent>,
  orgs: ReadonlyMap<string, MemoryOrganizationRow>,
): MarketplaceRepository {
  // The single place deciding what is public: every read goes through it.
  const listing = (agent: Agent | undefined): MarketplaceListing | null => {
    if (agent === undefined || !agent.isPublic || agent.status !== 'active') return null
    const org = orgs.get(agent.organizationId)
    if (org === undefined || org.deletedAt !== null || org.status !== 'active') return null
    return { agent: clone(agent), publisher: { slug: org.slug, name: org.name } }
  }
  return {
    async search(filter, page) {
      const q = filter.q?.toLowerCase()
      let rows = [...agents.values()]
        .map(listing)
        .filter((l): l is MarketplaceListing => l !== null)
        .filter(
          ({ agent, publisher }) =>
            (filter.publisher === undefined || publisher.slug === filter.publisher) &&
            (filter.capability === undefined || agent.capabilities.includes(filter.capability)) &&
            (q === undefined || agent.name.toLowerCase().includes(q) || (agent.description ?? '').toLowerCase().includes(q)),
        )
        .sort(
          (a, b) =>
            a.agent.createdAt.getTime() - b.agent.createdAt.getTime() ||
            (a.agent.agentId < b.agent.agentId ? -1 : a.agent.agentId > b.agent.agentId ? 1 : 0),
        )
      if (page.cursor !== undefined) {
        const [t, id] = decodeCursor(page.cursor)
        const after = typeof t === 'number' ? t : Date.parse(t)
        rows = rows.filter(({ agent }) => agent.createdAt.getTime() > after || (agent.createdAt.getTime() === after && agent.agentId > id))
      }
      const items = rows.slice(0, page.limit)
      const last = items.at(-1)
      return {
        items,
        nextCursor:
          rows.length > page.limit && last !== undefined
            ? encodeCursor([last.agent.createdAt.toISOString(), last.agent.agentId])
            : null,
      }
    },
    async find(agentId) {
      return listing(agents.get(agentId))
    },
  }
}
