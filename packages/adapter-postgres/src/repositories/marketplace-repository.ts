/**
 * The public marketplace query: agents joined with their organization, restricted IN THE SQL to
 * public, active agents of active, non-deleted organizations. Nothing else can come out of it.
 *
 * @module
 */
import type { MarketplaceFilter, MarketplaceListing, MarketplaceRepository } from '@sentryagent/core'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import { toAgent } from './agent-repository.js'
import { containsPattern, decodeTimeCursor, encodeTimeCursor, toPage } from '../internal/sql-values.js'

/** The visible rows: the one place deciding what the marketplace may show. */
function listed(db: Kysely<Database>) {
  return db
    .selectFrom('agents as a')
    .innerJoin('organizations as o', 'o.organization_id', 'a.organization_id')
    .selectAll('a')
    .select(['o.slug as publisher_slug', 'o.name as publisher_name'])
    .where('a.is_public', '=', true)
    .where('a.status', '=', 'active')
    .where('o.status', '=', 'active')
    .where('o.deleted_at', 'is', null)
}

type ListedRow = Awaited<ReturnType<ReturnType<typeof listed>['execute']>>[number]

function toListing(row: ListedRow): MarketplaceListing {
  const agent = toAgent(row)
  return { agent, publisher: { slug: row.publisher_slug, name: row.publisher_name } }
}

/** The marketplace repository over `db`. */
export function createMarketplaceRepository(db: Kysely<Database>): MarketplaceRepository {
  return {
    search: (filter: MarketplaceFilter, page) =>
      guard(async () => {
        let query = listed(db).orderBy('a.created_at').orderBy('a.agent_id').limit(page.limit + 1)
        if (filter.publisher !== undefined) query = query.where('o.slug', '=', filter.publisher)
        if (filter.capability !== undefined) {
          const capability = filter.capability
          query = query.where((eb) => eb(eb.val(capability), '=', eb.fn.any('a.capabilities')))
        }
        if (filter.q !== undefined) {
          const pattern = containsPattern(filter.q)
          query = query.where((eb) => eb.or([eb('a.name', 'ilike', pattern), eb('a.description', 'ilike', pattern)]))
        }
        if (page.cursor !== undefined) {
          const after = decodeTimeCursor(page.cursor)
          query = query.where((eb) => eb(eb.refTuple('a.created_at', 'a.agent_id'), '>', eb.tuple(after.at, after.id)))
        }
        const rows = await query.execute()
        return toPage(rows, page.limit, toListing, (l) => encodeTimeCursor(l.agent.createdAt, l.agent.agentId))
      }),

    find: (agentId) =>
      guard(async () => {
        const row = await listed(db).where('a.agent_id', '=', agentId).executeTakeFirst()
        return row === undefined ? null : toListing(row)
      }),
  }
}
