/**
 * Every query on `revoked_tokens` (RFC 7009 revocations, kept until the token would expire).
 *
 * @module
 */
import type { RevocationRepository, RevokedToken } from '@sentryagent/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import type { RevokedTokenTable } from '../tables/revoked-token.table.js'

function toRevokedToken(row: Selectable<RevokedTokenTable>): RevokedToken {
  return { jti: row.jti, organizationId: row.organization_id, expiresAt: row.expires_at, revokedAt: row.revoked_at }
}

/** The revocation repository over `db` (the pool or a transaction). */
export function createRevocationRepository(db: Kysely<Database>): RevocationRepository {
  return {
    insert: (token) =>
      guard(async () => {
        // Idempotent: a second revocation of the same jti keeps the first record.
        await db
          .insertInto('revoked_tokens')
          .values({
            jti: token.jti,
            organization_id: token.organizationId,
            expires_at: token.expiresAt,
            revoked_at: token.revokedAt,
          })
          .onConflict((oc) => oc.column('jti').doNothing())
          .execute()
      }),

    isRevoked: (jti) =>
      guard(async () => {
        const row = await db.selectFrom('revoked_tokens').select('jti').where('jti', '=', jti).executeTakeFirst()
        return row !== undefined
      }),

    listUnexpired: (now, limit) =>
      guard(async () => {
        // Longest-lived first: when `limit` truncates, the entries dropped are the ones that expire soonest.
        const rows = await db
          .selectFrom('revoked_tokens')
          .selectAll()
          .where('expires_at', '>', now)
          .orderBy('expires_at', 'desc')
          .orderBy('jti')
          .limit(limit)
          .execute()
        return rows.map(toRevokedToken)
      }),
  }
}
