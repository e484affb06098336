/**
 * The reference server's periodic audit jobs: sealing each organization's log with a signed
 * checkpoint, and purging events past the retention period (which anchors what remains with a
 * checkpoint). Both are idempotent, so several server processes may run them at once.
 *
 * @module
 */
import type { Idp } from '@sentryagent/core'
import type { Logger } from 'pino'
import type { ServerConfig } from './config.js'

/** Starts the jobs; returns a function that stops them. Timers never keep the process alive. */
export function startAuditJobs(idp: Idp, config: ServerConfig, log: Logger): () => void {
  const timers: NodeJS.Timeout[] = []
  let busy = false
  const run = async (what: string, job: () => Promise<number>) => {
    if (busy) return
    busy = true
    try {
      const n = await job()
      if (n > 0) log.info({ job: what, count: n }, 'audit job done')
    } catch (err) {
      log.error({ err, job: what }, 'audit job failed')
    } finally {
      busy = false
    }
  }
  if (config.auditCheckpointIntervalSeconds > 0) {
    timers.push(setInterval(() => void run('checkpoint', () => idp.audit.checkpointAll()), config.auditCheckpointIntervalSeconds * 1000))
  }
  if (config.auditRetentionDays > 0) {
    const purge = () => void run('retention', () => idp.audit.purgeExpired(config.auditRetentionDays))
    timers.push(setInterval(purge, 3_600_000))
  }
  for (const t of timers) t.unref()
  return () => {
    for (const t of timers) clearInterval(t)
  }
}
