/**
 * The reference server's periodic core work, on the IdP's one job runner (each runs once per tick
 * across every server process sharing the database): sealing each organization's audit log with a
 * signed checkpoint, purging events past the retention period (which anchors what remains with a
 * checkpoint), the scheduled signing-key rotation check, and the live compliance checks.
 *
 * @module
 */
import type { Idp } from '@sentryagent/core'
import type { Logger } from 'pino'
import type { ServerConfig } from './config.js'

/** Registers the jobs on `idp.jobs`; `idp.close()` stops them (waiting for a running one). */
export function scheduleCoreJobs(idp: Idp, config: ServerConfig, log: Logger): void {
  const logged = (job: string, work: () => Promise<number>) => async () => {
    const n = await work()
    if (n > 0) log.info({ job, count: n }, 'job done')
  }
  if (config.auditCheckpointIntervalSeconds > 0) {
    idp.jobs.every('core.audit-checkpoint', config.auditCheckpointIntervalSeconds * 1000, logged('checkpoint', () => idp.audit.checkpointAll()))
  }
  if (config.auditRetentionDays > 0) {
    idp.jobs.every('core.audit-retention', 3_600_000, logged('retention', () => idp.audit.purgeExpired(config.auditRetentionDays)))
  }
  const rotation = config.ops.keyRotationIntervalSeconds
  if (config.complianceCheckIntervalSeconds > 0) {
    const intervalMs = config.complianceCheckIntervalSeconds * 1000
    const sharedEphemeral = config.ops.redisUrl !== undefined || config.ops.redisClusterNodes !== undefined
    idp.jobs.every('core.compliance-checks', intervalMs, async (signal) => {
      const run = await idp.compliance.runChecks(
        {
          keyRotationIntervalSeconds: rotation,
          // A PostgreSQL database can be shared by several processes; embedded storage cannot.
          multiProcess: config.databaseUrl !== undefined,
          sharedEphemeral,
          vaultKeys: config.ops.vault !== undefined,
          validForSeconds: Math.max(3 * config.complianceCheckIntervalSeconds, 300),
        },
        signal,
      )
      const failing = Object.entries(run.controls).filter(([, c]) => c.status === 'failing').map(([id]) => id)
      if (failing.length > 0) log.warn({ failing }, 'compliance controls failing')
    })
  }
  if (rotation > 0) {
    // Checked every min(interval / 10, 1 h); core also rotates under a lock, so a slow check never doubles it.
    idp.jobs.every('core.signing-key-rotation', Math.min(rotation * 100, 3_600_000), async () => {
      const r = await idp.signingKeys.rotateIfDue({ intervalSeconds: rotation, lockSeconds: config.ops.keyActivationDelaySeconds + 60 })
      if (r !== null) log.info({ kid: r.kid, activatesAt: r.activatesAt }, 'scheduled signing key rotation')
    })
  }
}
