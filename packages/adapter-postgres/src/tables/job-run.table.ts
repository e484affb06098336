/**
 * Kysely row type of `job_runs`: the last claimed tick of each periodic job and its lease.
 *
 * @module
 */
import type { Int8 } from './audit-event.table.js'

export interface JobRunTable {
  name: string
  last_tick: Int8
  /** Until when the run of `last_tick` holds the job; `null` once it finished. */
  running_until: Date | null
  updated_at: Date
}
