/**
 * Signed audit checkpoints (tamper evidence beyond the hash chain, retention anchors).
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely'

export const auditCheckpoints: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('checkpoint_id', 'text', (c) => c.primaryKey())
      .addColumn('organization_id', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('head_hash', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('audit_checkpoints_org_size_idx')
      .on('audit_checkpoints')
      .columns(['organization_id', 'size', 'issued_at'])
      .execute()
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('audit_checkpoints').ifExists().execute()
  },
}
