/**
 * Every query on `signing_keys`, the IdP's own keys (global, not scoped by organization).
 *
 * @module
 */
import { IdpError, type SigningKeyRecord, type SigningKeyRepository } from '@sentryagent/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'
import type { SigningKeyTable } from '../tables/signing-key.table.js'

function toSigningKey(row: Selectable<SigningKeyTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: row.public_jwk,
    encryptedPrivateJwk: row.encrypted_private_jwk,
    status: row.status,
    createdAt: row.created_at,
    notAfter: row.not_after,
    // Absent rather than null: records written before migration 0005 look as they always did.
    ...(row.activates_at === null ? {} : { activatesAt: row.activates_at }),
  }
}

/** The signing-key repository over `db` (the pool or a transaction). */
export function createSigningKeyRepository(db: Kysely<Database>): SigningKeyRepository {
  return {
    insert: (key) =>
      guard(async () => {
        const inserted = await db
          .insertInto('signing_keys')
          .values({
            kid: key.kid,
            alg: key.alg,
            public_jwk: key.publicJwk,
            encrypted_private_jwk: key.encryptedPrivateJwk,
            status: key.status,
            created_at: key.createdAt,
            not_after: key.notAfter,
            activates_at: key.activatesAt ?? null,
          })
          .onConflict((oc) => oc.doNothing())
          .returning('kid')
          .executeTakeFirst()
        if (inserted === undefined) throw new IdpError('CONFLICT', 'Key id already exists')
      }),

    list: () =>
      guard(async () => {
        const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid', 'desc').execute()
        return rows.map(toSigningKey)
      }),

    update: (kid, patch) =>
      guard(async () => {
        if (patch.status === undefined && patch.notAfter === undefined) return
        await db
          .updateTable('signing_keys')
          .set({ status: patch.status, not_after: patch.notAfter })
          .where('kid', '=', kid)
          .execute()
      }),
  }
}
