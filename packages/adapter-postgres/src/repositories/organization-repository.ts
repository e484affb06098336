/**
 * Every query on `organizations`. Deleting only sets `deleted_at`, so the slug stays reserved.
 *
 * @module
 */
import { IdpError, type Organization, type OrganizationRepository } from '@sentryagent/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import { decodeTimeCursor, encodeTimeCursor, toPage } from '../internal/sql-values.js'
import type { OrganizationTable } from '../tables/organization.table.js'

function toOrganization(row: Selectable<OrganizationTable>): Organization {
  return {
    organizationId: row.organization_id,
    name: row.name,
    slug: row.slug,
    planTier: row.plan_tier,
    maxAgents: row.max_agents,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The organization repository over `db` (the pool or a transaction). */
export function createOrganizationRepository(db: Kysely<Database>): OrganizationRepository {
  const live = () => db.selectFrom('organizations').selectAll().where('deleted_at', 'is', null)

  return {
    insert: (org) =>
      guard(async () => {
        // ON CONFLICT DO NOTHING reports the conflict without aborting a surrounding transaction.
        const inserted = await db
          .insertInto('organizations')
          .values({
            organization_id: org.organizationId,
            name: org.name,
            slug: org.slug,
            plan_tier: org.planTier,
            max_agents: org.maxAgents,
            status: org.status,
            created_at: org.createdAt,
            updated_at: org.updatedAt,
            deleted_at: null,
          })
          .onConflict((oc) => oc.doNothing())
          .returning('organization_id')
          .executeTakeFirst()
        if (inserted === undefined) throw new IdpError('CONFLICT', 'Organization slug is already taken')
      }),

    find: (organizationId) =>
      guard(async () => {
        const row = await live().where('organization_id', '=', organizationId).executeTakeFirst()
        return row === undefined ? null : toOrganization(row)
      }),

    findBySlug: (slug) =>
      guard(async () => {
        const row = await live().where('slug', '=', slug).executeTakeFirst()
        return row === undefined ? null : toOrganization(row)
      }),

    list: (page) =>
      guard(async () => {
        let query = live().orderBy('created_at').orderBy('organization_id').limit(page.limit + 1)
        if (page.cursor !== undefined) {
          const after = decodeTimeCursor(page.cursor)
          query = query.where((eb) =>
            eb(eb.refTuple('created_at', 'organization_id'), '>', eb.tuple(after.at, after.id)),
          )
        }
        const rows = await query.execute()
        return toPage(rows, page.limit, toOrganization, (o) => encodeTimeCursor(o.createdAt, o.organizationId))
      }),

    update: (organizationId, patch) =>
      guard(async () => {
        const row = await db
          .updateTable('organizations')
          .set({
            name: patch.name,
            plan_tier: patch.planTier,
            max_agents: patch.maxAgents,
            status: patch.status,
            updated_at: patch.updatedAt,
          })
          .where('organization_id', '=', organizationId)
          .where('deleted_at', 'is', null)
          .returningAll()
          .executeTakeFirst()
        return row === undefined ? null : toOrganization(row)
      }),

    delete: (organizationId, now) =>
      guard(async () => {
        const result = await db
          .updateTable('organizations')
          .set({ deleted_at: now })
          .where('organization_id', '=', organizationId)
          .where('deleted_at', 'is', null)
          .executeTakeFirst()
        return result.numUpdatedRows > 0n
      }),
  }
}
