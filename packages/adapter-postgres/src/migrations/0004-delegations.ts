/**
 * Delegation chains (SPEC §8). A link's descendants are found through `parent_chain_id`
 * (recursive CTE), its ancestors through the same column upwards; both are scoped by organization.
 *
 * @module
 */
import { sql, type Migration } from 'kysely'

const id = sql`text collate "C"`

export const delegations: Migration = {
  async up(db) {
    await db.schema
      .createTable('delegations')
      .addColumn('chain_id', id, (c) => c.primaryKey())
      .addColumn('organization_id', id, (c) => c.notNull())
      .addColumn('delegator_agent_id', id, (c) => c.notNull())
      .addColumn('delegatee_agent_id', id, (c) => c.notNull())
      .addColumn('scopes', sql`text[]`, (c) => c.notNull())
      .addColumn('max_depth', 'integer', (c) => c.notNull())
      .addColumn('depth', 'integer', (c) => c.notNull())
      .addColumn('parent_chain_id', id)
      .addColumn('root_chain_id', id, (c) => c.notNull())
      .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('revoked_at', 'timestamptz')
      .execute()
    await db.schema
      .createIndex('delegations_parent_idx')
      .on('delegations')
      .columns(['organization_id', 'parent_chain_id'])
      .execute()
    await db.schema
      .createIndex('delegations_delegator_idx')
      .on('delegations')
      .columns(['organization_id', 'delegator_agent_id'])
      .execute()
    await db.schema
      .createIndex('delegations_delegatee_idx')
      .on('delegations')
      .columns(['organization_id', 'delegatee_agent_id'])
      .execute()
  },
  async down(db) {
    await db.schema.dropTable('delegations').execute()
  },
}
