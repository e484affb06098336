/**
 * Zero-downtime key rotation: a rotated-in signing key is published at once but signs only from
 * `activates_at`, so every process and verifier holds it before a token carries its kid.
 * `null` (every key created before this migration) means "from `created_at`".
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely'

/** Migration `0005-signing-key-activation`. */
export const signingKeyActivation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('signing_keys').addColumn('activates_at', 'timestamptz').execute()
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('signing_keys').dropColumn('activates_at').execute()
  },
}
