/**
 * The initial schema. Ids are `text collate "C"` so that ordering ties break by byte order, as the
 * memory storage does; times are `timestamptz` written from arguments (never `now()`).
 * No foreign keys: the port does not require referential integrity, and the memory storage and
 * PostgreSQL must behave alike under the contract suite.
 *
 * @module
 */
import { sql, type Migration } from 'kysely'

const id = sql`text collate "C"`

export const init: Migration = {
  async up(db) {
    await db.schema
      .createTable('organizations')
      .addColumn('organization_id', id, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('plan_tier', 'text', (c) => c.notNull())
      .addColumn('max_agents', 'integer')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('deleted_at', 'timestamptz')
      .execute()
    await db.schema
      .createIndex('organizations_live_order_idx')
      .on('organizations')
      .columns(['created_at', 'organization_id'])
      .where(sql.ref('deleted_at'), 'is', null)
      .execute()

    await db.schema
      .createTable('organization_members')
      .addColumn('organization_id', id, (c) => c.notNull())
      .addColumn('agent_id', id, (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('organization_members_pkey', ['organization_id', 'agent_id'])
      .execute()

    await db.schema
      .createTable('agents')
      .addColumn('agent_id', id, (c) => c.primaryKey())
      .addColumn('organization_id', id, (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('agent_type', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('capabilities', sql`text[]`, (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('deployment_env', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('scopes', sql`text[]`, (c) => c.notNull())
      .addColumn('is_public', 'boolean', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute()
    // NULL emails are distinct, so any number of agents may have none.
    await db.schema.createIndex('agents_org_email_key').on('agents').columns(['organization_id', 'email']).unique().execute()
    await db.schema
      .createIndex('agents_org_order_idx')
      .on('agents')
      .columns(['organization_id', 'created_at', 'agent_id'])
      .execute()

    await db.schema
      .createTable('credentials')
      .addColumn('credential_id', id, (c) => c.primaryKey())
      .addColumn('organization_id', id, (c) => c.notNull())
      .addColumn('agent_id', id, (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull().unique())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz')
      .addColumn('revoked_at', 'timestamptz')
      .execute()
    await db.schema
      .createIndex('credentials_agent_order_idx')
      .on('credentials')
      .columns(['organization_id', 'agent_id', 'created_at', 'credential_id'])
      .execute()

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', id, (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('encrypted_private_jwk', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('not_after', 'timestamptz')
      .execute()

    await db.schema
      .createTable('revoked_tokens')
      .addColumn('jti', 'text', (c) => c.primaryKey())
      .addColumn('organization_id', id, (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('revoked_at', 'timestamptz', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('revoked_tokens_expires_idx').on('revoked_tokens').column('expires_at').execute()

    await db.schema
      .createTable('audit_events')
      .addColumn('event_id', id, (c) => c.primaryKey())
      .addColumn('organization_id', id, (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('agent_id', id)
      .addColumn('ip', 'text')
      .addColumn('details', 'jsonb', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute()
    // Gap-free per organization: a second writer of the same seq fails instead of forking the chain.
    await db.schema
      .createIndex('audit_events_org_seq_key')
      .on('audit_events')
      .columns(['organization_id', 'seq'])
      .unique()
      .execute()
    await db.schema
      .createIndex('audit_events_org_time_idx')
      .on('audit_events')
      .columns(['organization_id', 'occurred_at'])
      .execute()
  },

  async down(db) {
    for (const table of [
      'audit_events',
      'revoked_tokens',
      'signing_keys',
      'credentials',
      'agents',
      'organization_members',
      'organizations',
    ]) {
      await db.schema.dropTable(table).ifExists().execute()
    }
  },
}
