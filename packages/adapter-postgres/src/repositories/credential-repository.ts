/**
 * Every query on `credentials`. `findByClientId` is unscoped by necessity (the token endpoint
 * authenticates a client before it knows the organization); everything else is scoped.
 *
 * @module
 */
import { IdpError, type Credential, type CredentialRepository } from '@sentryagent/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import type { CredentialTable } from '../tables/credential.table.js'

function toCredential(row: Selectable<CredentialTable>): Credential {
  return {
    credentialId: row.credential_id,
    organizationId: row.organization_id,
    agentId: row.agent_id,
    clientId: row.client_id,
    secretHash: row.secret_hash,
    generation: row.generation,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }
}

/** The credential repository over `db` (the pool or a transaction). */
export function createCredentialRepository(db: Kysely<Database>): CredentialRepository {
  return {
    insert: (credential) =>
      guard(async () => {
        // ON CONFLICT DO NOTHING reports the conflict without aborting a surrounding transaction.
        const inserted = await db
          .insertInto('credentials')
          .values({
            credential_id: credential.credentialId,
            organization_id: credential.organizationId,
            agent_id: credential.agentId,
            client_id: credential.clientId,
            secret_hash: credential.secretHash,
            generation: credential.generation,
            status: credential.status,
            created_at: credential.createdAt,
            updated_at: credential.updatedAt,
            expires_at: credential.expiresAt,
            revoked_at: credential.revokedAt,
          })
          .onConflict((oc) => oc.doNothing())
          .returning('credential_id')
          .executeTakeFirst()
        if (inserted === undefined) throw new IdpError('CONFLICT', 'Client id is already taken')
      }),

    find: (organizationId, credentialId) =>
      guard(async () => {
        const row = await db
          .selectFrom('credentials')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('credential_id', '=', credentialId)
          .executeTakeFirst()
        return row === undefined ? null : toCredential(row)
      }),

    findByClientId: (clientId) =>
      guard(async () => {
        const row = await db.selectFrom('credentials').selectAll().where('client_id', '=', clientId).executeTakeFirst()
        return row === undefined ? null : toCredential(row)
      }),

    listByAgent: (organizationId, agentId) =>
      guard(async () => {
        const rows = await db
          .selectFrom('credentials')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('agent_id', '=', agentId)
          .orderBy('created_at')
          .orderBy('credential_id')
          .execute()
        return rows.map(toCredential)
      }),

    update: (organizationId, credentialId, patch) =>
      guard(async () => {
        const row = await db
          .updateTable('credentials')
          .set({
            secret_hash: patch.secretHash,
            generation: patch.generation,
            status: patch.status,
            revoked_at: patch.revokedAt,
            updated_at: patch.updatedAt,
          })
          .where('organization_id', '=', organizationId)
          .where('credential_id', '=', credentialId)
          .returningAll()
          .executeTakeFirst()
        return row === undefined ? null : toCredential(row)
      }),

    revokeAllForAgent: (organizationId, agentId, now) =>
      guard(async () => {
        const result = await db
          .updateTable('credentials')
          .set({ status: 'revoked', revoked_at: now, updated_at: now })
          .where('organization_id', '=', organizationId)
          .where('agent_id', '=', agentId)
          .where('status', '=', 'active')
          .executeTakeFirst()
        return Number(result.numUpdatedRows)
      }),
  }
}
