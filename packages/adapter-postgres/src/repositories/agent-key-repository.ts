/**
 * Every query on `agent_keys`. Reads and writes are scoped by organization.
 *
 * @module
 */
import { IdpError, type AgentKey, type AgentKeyRepository } from '@sentryagent/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import { jsonb } from '../internal/sql-values.js'
import type { AgentKeyTable } from '../tables/agent-key.table.js'

function toAgentKey(row: Selectable<AgentKeyTable>): AgentKey {
  return {
    organizationId: row.organization_id,
    agentId: row.agent_id,
    kid: row.kid,
    alg: row.alg,
    publicJwk: { ...row.public_jwk },
    status: row.status,
    createdAt: row.created_at,
    removedAt: row.removed_at,
  }
}

/** The agent-key repository over `db` (the pool or a transaction). */
export function createAgentKeyRepository(db: Kysely<Database>): AgentKeyRepository {
  return {
    insert: (key) =>
      guard(async () => {
        // ON CONFLICT DO NOTHING reports the conflict without aborting a surrounding transaction.
        const inserted = await db
          .insertInto('agent_keys')
          .values({
            organization_id: key.organizationId,
            agent_id: key.agentId,
            kid: key.kid,
            alg: key.alg,
            public_jwk: jsonb(key.publicJwk),
            status: key.status,
            created_at: key.createdAt,
            removed_at: key.removedAt,
          })
          .onConflict((oc) => oc.doNothing())
          .returning('kid')
          .executeTakeFirst()
        if (inserted === undefined) throw new IdpError('CONFLICT', 'The agent already has a key with this kid')
      }),

    find: (organizationId, agentId, kid) =>
      guard(async () => {
        const row = await db
          .selectFrom('agent_keys')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('agent_id', '=', agentId)
          .where('kid', '=', kid)
          .executeTakeFirst()
        return row === undefined ? null : toAgentKey(row)
      }),

    listByAgent: (organizationId, agentId, options = {}) =>
      guard(async () => {
        let query = db
          .selectFrom('agent_keys')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('agent_id', '=', agentId)
          .orderBy('created_at')
          .orderBy('kid')
        if (options.activeOnly === true) query = query.where('status', '=', 'active')
        return (await query.execute()).map(toAgentKey)
      }),

    remove: (organizationId, agentId, kid, now) =>
      guard(async () => {
        const row = await db
          .updateTable('agent_keys')
          .set({ status: 'removed', removed_at: now })
          .where('organization_id', '=', organizationId)
          .where('agent_id', '=', agentId)
          .where('kid', '=', kid)
          .where('status', '=', 'active')
          .returningAll()
          .executeTakeFirst()
        return row === undefined ? null : toAgentKey(row)
      }),
  }
}
