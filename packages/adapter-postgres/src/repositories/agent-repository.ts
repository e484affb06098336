/**
 * Every query on `agents`. Reads and writes are scoped by organization, except `ownerOf` (for
 * platform administrators, as the port documents).
 *
 * @module
 */
import { IdpError, type Agent, type AgentRepository } from '@sentryagent/core'
import { sql, type Kysely, type Selectable, type Updateable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import { containsPattern, decodeTimeCursor, encodeTimeCursor, toPage } from '../internal/sql-values.js'
import type { AgentTable } from '../tables/agent.table.js'

type AgentPatch = Parameters<AgentRepository['update']>[2]

const EMAIL_TAKEN = 'Email is already used in the organization'

/** Maps an `agents` row to the port's record (shared with the marketplace queries). */
export function toAgent(row: Selectable<AgentTable>): Agent {
  return {
    agentId: row.agent_id,
    organizationId: row.organization_id,
    name: row.name,
    email: row.email,
    agentType: row.agent_type,
    version: row.version,
    capabilities: row.capabilities,
    owner: row.owner,
    deploymentEnv: row.deployment_env,
    description: row.description,
    scopes: row.scopes,
    isPublic: row.is_public,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The columns a patch sets; keys absent (or `undefined`) in the patch are left alone. */
function toUpdate(patch: AgentPatch): Updateable<AgentTable> {
  return {
    name: patch.name,
    email: patch.email,
    agent_type: patch.agentType,
    version: patch.version,
    capabilities: patch.capabilities,
    owner: patch.owner,
    deployment_env: patch.deploymentEnv,
    description: patch.description,
    scopes: patch.scopes,
    is_public: patch.isPublic,
    status: patch.status,
    updated_at: patch.updatedAt,
  }
}

/** The agent repository over `db` (the pool or a transaction). */
export function createAgentRepository(db: Kysely<Database>): AgentRepository {
  return {
    insert: (agent) =>
      guard(async () => {
        // ON CONFLICT DO NOTHING reports the conflict without aborting a surrounding transaction.
        const inserted = await db
          .insertInto('agents')
          .values({
            agent_id: agent.agentId,
            organization_id: agent.organizationId,
            name: agent.name,
            email: agent.email,
            agent_type: agent.agentType,
            version: agent.version,
            capabilities: agent.capabilities,
            owner: agent.owner,
            deployment_env: agent.deploymentEnv,
            description: agent.description,
            scopes: agent.scopes,
            is_public: agent.isPublic,
            status: agent.status,
            created_at: agent.createdAt,
            updated_at: agent.updatedAt,
          })
          .onConflict((oc) => oc.doNothing())
          .returning('agent_id')
          .executeTakeFirst()
        if (inserted === undefined) throw new IdpError('CONFLICT', EMAIL_TAKEN)
      }),

    find: (organizationId, agentId, options) =>
      guard(async () => {
        const row = await db
          .selectFrom('agents')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('agent_id', '=', agentId)
          // A row lock until the surrounding transaction ends (the port's `forUpdate` contract).
          .$if(options?.forUpdate === true, (q) => q.forUpdate())
          .executeTakeFirst()
        return row === undefined ? null : toAgent(row)
      }),

    ownerOf: (agentId) =>
      guard(async () => {
        const row = await db.selectFrom('agents').select('organization_id').where('agent_id', '=', agentId).executeTakeFirst()
        return row?.organization_id ?? null
      }),

    list: (organizationId, filter, page) =>
      guard(async () => {
        let query = db
          .selectFrom('agents')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .orderBy('created_at')
          .orderBy('agent_id')
          .limit(page.limit + 1)
        if (filter.status !== undefined) query = query.where('status', '=', filter.status)
        // The filter is any string (an unknown type simply matches nothing), hence the untyped ref.
        if (filter.agentType !== undefined) query = query.where(sql.ref<string>('agent_type'), '=', filter.agentType)
        if (filter.owner !== undefined) query = query.where('owner', '=', filter.owner)
        if (filter.q !== undefined) {
          const pattern = containsPattern(filter.q)
          query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('description', 'ilike', pattern)]))
        }
        if (page.cursor !== undefined) {
          const after = decodeTimeCursor(page.cursor)
          query = query.where((eb) => eb(eb.refTuple('created_at', 'agent_id'), '>', eb.tuple(after.at, after.id)))
        }
        const rows = await query.execute()
        return toPage(rows, page.limit, toAgent, (a) => encodeTimeCursor(a.createdAt, a.agentId))
      }),

    countLive: (organizationId) =>
      guard(async () => {
        const row = await db
          .selectFrom('agents')
          .select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'))
          .where('organization_id', '=', organizationId)
          .where('status', '<>', 'decommissioned')
          .executeTakeFirstOrThrow()
        return row.n
      }),

    update: (organizationId, agentId, patch) =>
      guard(async () => {
        const email = patch.email
        let query = db
          .updateTable('agents')
          .set(toUpdate(patch))
          .where('organization_id', '=', organizationId)
          .where('agent_id', '=', agentId)
        if (typeof email === 'string') {
          // Checked in the statement rather than left to the unique index, so that a CONFLICT does
          // not abort a surrounding transaction; the index still guards concurrent writers.
          query = query.where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('agents as other')
                  .select('other.agent_id')
                  .where('other.organization_id', '=', organizationId)
                  .where('other.email', '=', email)
                  .where('other.agent_id', '<>', agentId),
              ),
            ),
          )
        }
        const row = await query.returningAll().executeTakeFirst()
        if (row !== undefined) return toAgent(row)
        if (typeof email === 'string') {
          const exists = await db
            .selectFrom('agents')
            .select('agent_id')
            .where('organization_id', '=', organizationId)
            .where('agent_id', '=', agentId)
            .executeTakeFirst()
          if (exists !== undefined) throw new IdpError('CONFLICT', EMAIL_TAKEN)
        }
        return null
      }),
  }
}
