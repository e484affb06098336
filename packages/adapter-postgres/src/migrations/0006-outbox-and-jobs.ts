/**
 * The plugin platform's two core tables: `audit_consumers` (one cursor per outbox consumer and
 * organization, advanced in the consumer's own transaction) and `job_runs` (the last claimed tick
 * of each periodic job, so that a job runs once per tick across processes).
 *
 * @module
 */
import { sql, type Kysely, type Migration } from 'kysely'

const id = sql`text collate "C"`

/** Migration `0006-outbox-and-jobs`. */
export const outboxAndJobs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_consumers')
      .addColumn('consumer_id', id, (c) => c.notNull())
      .addColumn('organization_id', id, (c) => c.notNull())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_consumers_pkey', ['consumer_id', 'organization_id'])
      .execute()
    await db.schema
      .createTable('job_runs')
      .addColumn('name', id, (c) => c.primaryKey())
      .addColumn('last_tick', 'bigint', (c) => c.notNull())
      .addColumn('running_until', 'timestamptz')
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute()
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('job_runs').execute()
    await db.schema.dropTable('audit_consumers').execute()
  },
}
