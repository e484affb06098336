/**
 * Every query on `delegations`. Descendants and ancestors are walked with recursive CTEs over
 * `parent_chain_id`, always scoped by organization, so a cascade is one atomic statement.
 *
 * @module
 */
import { IdpError, type Delegation, type DelegationRepository } from '@sentryagent/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import type { DelegationTable } from '../tables/delegation.table.js'

function toDelegation(row: Selectable<DelegationTable>): Delegation {
  return {
    chainId: row.chain_id,
    organizationId: row.organization_id,
    delegatorAgentId: row.delegator_agent_id,
    delegateeAgentId: row.delegatee_agent_id,
    scopes: row.scopes,
    maxDepth: row.max_depth,
    depth: row.depth,
    parentChainId: row.parent_chain_id,
    rootChainId: row.root_chain_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }
}

/** The delegation repository over `db` (the pool or a transaction). */
export function createDelegationRepository(db: Kysely<Database>): DelegationRepository {
  return {
    insert: (d) =>
      guard(async () => {
        // ON CONFLICT DO NOTHING reports the conflict without aborting a surrounding transaction.
        const inserted = await db
          .insertInto('delegations')
          .values({
            chain_id: d.chainId,
            organization_id: d.organizationId,
            delegator_agent_id: d.delegatorAgentId,
            delegatee_agent_id: d.delegateeAgentId,
            scopes: d.scopes,
            max_depth: d.maxDepth,
            depth: d.depth,
            parent_chain_id: d.parentChainId,
            root_chain_id: d.rootChainId,
            issued_at: d.issuedAt,
            expires_at: d.expiresAt,
            revoked_at: d.revokedAt,
          })
          .onConflict((oc) => oc.doNothing())
          .returning('chain_id')
          .executeTakeFirst()
        if (inserted === undefined) throw new IdpError('CONFLICT', 'Chain id already exists')
      }),

    find: (organizationId, chainId) =>
      guard(async () => {
        const row = await db
          .selectFrom('delegations')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('chain_id', '=', chainId)
          .executeTakeFirst()
        return row === undefined ? null : toDelegation(row)
      }),

    lineage: (organizationId, chainId) =>
      guard(async () => {
        const rows = await db
          .withRecursive('lineage(chain_id, parent_chain_id)', (qb) =>
            qb
              .selectFrom('delegations')
              .select(['chain_id', 'parent_chain_id'])
              .where('organization_id', '=', organizationId)
              .where('chain_id', '=', chainId)
              .unionAll((eb) =>
                eb
                  .selectFrom('delegations')
                  .innerJoin('lineage', 'lineage.parent_chain_id', 'delegations.chain_id')
                  .select(['delegations.chain_id', 'delegations.parent_chain_id'])
                  .where('delegations.organization_id', '=', organizationId),
              ),
          )
          .selectFrom('delegations')
          .selectAll('delegations')
          .where('organization_id', '=', organizationId)
          .where('chain_id', 'in', (eb) => eb.selectFrom('lineage').select('lineage.chain_id'))
          .orderBy('depth')
          .orderBy('chain_id')
          .execute()
        return rows.map(toDelegation)
      }),

    revokeCascade: (organizationId, chainId, now) =>
      guard(async () => {
        // One UPDATE over the recursive subtree: the cascade is atomic even outside a transaction.
        const rows = await db
          .withRecursive('subtree(chain_id)', (qb) =>
            qb
              .selectFrom('delegations')
              .select('chain_id')
              .where('organization_id', '=', organizationId)
              .where('chain_id', '=', chainId)
              .unionAll((eb) =>
                eb
                  .selectFrom('delegations')
                  .innerJoin('subtree', 'subtree.chain_id', 'delegations.parent_chain_id')
                  .select('delegations.chain_id')
                  .where('delegations.organization_id', '=', organizationId),
              ),
          )
          .updateTable('delegations')
          .set({ revoked_at: now })
          .where('organization_id', '=', organizationId)
          .where('revoked_at', 'is', null)
          .where('chain_id', 'in', (eb) => eb.selectFrom('subtree').select('subtree.chain_id'))
          .returning(['chain_id', 'depth'])
          .execute()
        return rows
          .sort((a, b) => a.depth - b.depth || (a.chain_id < b.chain_id ? -1 : a.chain_id > b.chain_id ? 1 : 0))
          .map((r) => r.chain_id)
      }),

    listByAgent: (organizationId, agentId) =>
      guard(async () => {
        const rows = await db
          .selectFrom('delegations')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where((eb) => eb.or([eb('delegator_agent_id', '=', agentId), eb('delegatee_agent_id', '=', agentId)]))
          .orderBy('issued_at')
          .orderBy('chain_id')
          .execute()
        return rows.map(toDelegation)
      }),
  }
}
