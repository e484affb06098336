/**
 * Every query on `job_runs`. A claim is one conditional upsert, atomic across processes: the row
 * moves to the new tick only when it is behind it and no unexpired lease holds it.
 *
 * @module
 */
import type { JobRunRepository } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { guard } from '../internal/storage-errors.js'

/** The job-run repository over `db`. */
export function createJobRunRepository(db: Kysely<Database>): JobRunRepository {
  return {
    claim: (name, tick, now, leaseUntil) =>
      guard(async () => {
        const row = await db
          .insertInto('job_runs')
          .values({ name, last_tick: tick, running_until: leaseUntil, updated_at: now })
          .onConflict((oc) =>
            oc
              .column('name')
              .doUpdateSet({ last_tick: tick, running_until: leaseUntil, updated_at: now })
              .where('job_runs.last_tick', '<', tick)
              .where((eb) => eb.or([eb('job_runs.running_until', 'is', null), eb('job_runs.running_until', '<=', now)])),
          )
          .returning(sql<number>`1`.as('claimed'))
          .executeTakeFirst()
        return row !== undefined
      }),

    release: (name, tick, now) =>
      guard(async () => {
        await db
          .updateTable('job_runs')
          .set({ running_until: null, updated_at: now })
          .where('name', '=', name)
          .where('last_tick', '=', tick)
          .execute()
      }),
  }
}
