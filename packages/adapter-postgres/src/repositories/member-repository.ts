/**
 * Every query on `organization_members`.
 *
 * @module
 */
import type { MemberRepository, OrganizationMember } from '@sentryagent/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import type { MemberTable } from '../tables/member.table.js'

function toMember(row: Selectable<MemberTable>): OrganizationMember {
  return { organizationId: row.organization_id, agentId: row.agent_id, role: row.role, createdAt: row.created_at }
}

/** The member repository over `db` (the pool or a transaction). */
export function createMemberRepository(db: Kysely<Database>): MemberRepository {
  return {
    upsert: (member) =>
      guard(async () => {
        // An existing membership keeps its created_at: only the role changes.
        const row = await db
          .insertInto('organization_members')
          .values({
            organization_id: member.organizationId,
            agent_id: member.agentId,
            role: member.role,
            created_at: member.createdAt,
          })
          .onConflict((oc) => oc.columns(['organization_id', 'agent_id']).doUpdateSet((eb) => ({ role: eb.ref('excluded.role') })))
          .returningAll()
          .executeTakeFirstOrThrow()
        return toMember(row)
      }),

    list: (organizationId) =>
      guard(async () => {
        const rows = await db
          .selectFrom('organization_members')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .orderBy('created_at')
          .orderBy('agent_id')
          .execute()
        return rows.map(toMember)
      }),

    remove: (organizationId, agentId) =>
      guard(async () => {
        const result = await db
          .deleteFrom('organization_members')
          .where('organization_id', '=', organizationId)
          .where('agent_id', '=', agentId)
          .executeTakeFirst()
        return result.numDeletedRows > 0n
      }),
  }
}
