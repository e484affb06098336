/**
 * Agents' public keys (SPEC §4 keys) and an index for the public marketplace, which lists only
 * public, active agents in (created_at, agent_id) order.
 *
 * @module
 */
import { sql, type Migration } from 'kysely'

const id = sql`text collate "C"`

export const agentKeys: Migration = {
  async up(db) {
    await db.schema
      .createTable('agent_keys')
      .addColumn('organization_id', id, (c) => c.notNull())
      .addColumn('agent_id', id, (c) => c.notNull())
      .addColumn('kid', id, (c) => c.notNull())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('removed_at', 'timestamptz')
      .addPrimaryKeyConstraint('agent_keys_pkey', ['agent_id', 'kid'])
      .execute()
    await db.schema
      .createIndex('agent_keys_org_agent_order_idx')
      .on('agent_keys')
      .columns(['organization_id', 'agent_id', 'created_at', 'kid'])
      .execute()
    await db.schema
      .createIndex('agents_marketplace_idx')
      .on('agents')
      .columns(['created_at', 'agent_id'])
      .where(sql.ref('is_public'), '=', true)
      .execute()
  },
  async down(db) {
    await db.schema.dropIndex('agents_marketplace_idx').execute()
    await db.schema.dropTable('agent_keys').execute()
  },
}
