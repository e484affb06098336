/**
 * The one job runner. A job runs at most once per tick — `floor(clock() / intervalMs)` — across
 * every process sharing the storage: the first process whose `job_runs` claim for the tick
 * succeeds runs it, the others skip it (an atomic conditional upsert on PostgreSQL and PGlite; the
 * embedded memory storage is single-process by nature). A lease keeps the next tick from starting
 * on another process while a long run still holds it. In one process a job never overlaps itself.
 *
 * A job first runs at the first tick boundary after it is registered. Timers poll with real time
 * and never keep the process alive; the tick comes from the IdP clock,
 * so tests with an injected clock move it and call {@link JobRunner.runDue}. `close()` stops the
 * timers, aborts the running jobs' signals and waits for them.
 *
 * @module
 */
import { IdpError } from '../errors.js'
import type { JobOptions } from '../context.js'
import type { ExtensionJobs } from '../extensions/extension.js'
import type { Logger } from '../logger.js'
import type { Storage } from '../ports/storage.js'

/** The runner of one IdP. */
export interface JobRunner extends ExtensionJobs {
  /** Claims and runs, now, every job whose current tick this process has not tried yet; resolves with the names that ran. */
  runDue(): Promise<string[]>
  /** Names of the registered jobs. */
  names(): string[]
  /** Stops the timers, aborts running jobs' signals and waits for them. Idempotent. */
  close(): Promise<void>
}

/** What {@link createJobRunner} needs. */
export interface JobRunnerDeps {
  storage: Pick<Storage, 'jobRuns'>
  clock: () => Date
  log: Logger
  /** Start a polling timer per job. @default true */
  timers?: boolean
}

interface Job {
  name: string
  intervalMs: number
  leaseMs: number
  fn: (signal: AbortSignal) => Promise<void>
  lastTried: number
  running: Promise<void> | undefined
  timer: ReturnType<typeof setInterval> | undefined
}

const NAME = /^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9._-]*$/

/**
 * Creates a job runner over `storage.jobRuns`.
 *
 * @example
 * const jobs = createJobRunner({ storage, clock: () => new Date(), log })
 * jobs.every('core.audit-checkpoint', 300_000, () => checkpointAll())
 */
export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const jobs = new Map<string, Job>()
  const abort = new AbortController()
  let closed = false

  const runOne = async (job: Job): Promise<boolean> => {
    if (job.running !== undefined || closed) return false
    const now = deps.clock()
    const tick = Math.floor(now.getTime() / job.intervalMs)
    if (tick <= job.lastTried) return false
    job.lastTried = tick
    let claimed: boolean
    try {
      claimed = await deps.storage.jobRuns.claim(job.name, tick, now, new Date(now.getTime() + job.leaseMs))
    } catch (err) {
      // The storage being down is an outage, not a reason to run unclaimed: try again next poll.
      job.lastTried = tick - 1
      deps.log.warn({ err, job: job.name }, 'could not claim a job tick')
      return false
    }
    if (!claimed) return false
    const run = (async () => {
      try {
        await job.fn(abort.signal)
      } catch (err) {
        deps.log.error({ err, job: job.name }, 'job failed')
      } finally {
        await deps.storage.jobRuns.release(job.name, tick, deps.clock()).catch((err: unknown) => {
          deps.log.warn({ err, job: job.name }, 'could not release a job lease')
        })
      }
    })()
    job.running = run
    try {
      await run
    } finally {
      job.running = undefined
    }
    return true
  }

  return {
    every(name: string, intervalMs: number, fn: (signal: AbortSignal) => Promise<void>, options: JobOptions = {}) {
      const problems: string[] = []
      if (!NAME.test(name)) problems.push(`job name ${JSON.stringify(name)} must be <owner>.<name>`)
      if (jobs.has(name)) problems.push(`job ${name} is registered twice`)
      if (!Number.isInteger(intervalMs) || intervalMs < 1) problems.push(`job ${name}: intervalMs must be a positive integer`)
      const leaseMs = options.leaseMs ?? Math.max(10 * intervalMs, 300_000)
      if (!Number.isInteger(leaseMs) || leaseMs < 1) problems.push(`job ${name}: leaseMs must be a positive integer`)
      if (closed) problems.push(`job ${name}: the runner is closed`)
      if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
      // The first run is at the first tick boundary after registration, never at start-up: a fleet
      // restarting at once does not run every job at once.
      const job: Job = { name, intervalMs, leaseMs, fn, lastTried: Math.floor(deps.clock().getTime() / intervalMs), running: undefined, timer: undefined }
      jobs.set(name, job)
      if (deps.timers !== false) {
        // Poll at least every 30 s, so that a tick starts at most that late after its boundary.
        job.timer = setInterval(() => void runOne(job), Math.min(intervalMs, 30_000))
        job.timer.unref?.()
      }
    },
    async runDue() {
      const ran: string[] = []
      for (const job of jobs.values()) if (await runOne(job)) ran.push(job.name)
      return ran
    },
    names: () => [...jobs.keys()],
    async close() {
      closed = true
      for (const job of jobs.values()) clearInterval(job.timer)
      abort.abort()
      await Promise.all([...jobs.values()].map((j) => j.running))
    },
  }
}
