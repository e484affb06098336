/**
 * Audit retention (SPEC §9, default 90 days). Purging keeps the rest verifiable: in the same
 * transaction as the delete, a checkpoint of the last purged event is signed and stored, so the
 * first kept event's `prevHash` stays anchored by a signature, and the purge itself is appended to
 * the chain as `audit.purged`.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { signCheckpoint } from './checkpoint.js'
import { appendAuditEvent } from './with-audit.js'

/** Default retention of audit events, in days. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90

/** Purges one organization's events older than `cutoff`; returns how many were deleted. */
export async function purgeOrganizationAudit(deps: Deps, organizationId: string, cutoff: Date): Promise<number> {
  const [newestOld, head] = await Promise.all([
    deps.storage.audit.list(organizationId, { to: cutoff }, { limit: 1 }).then((p) => p.items[0]),
    deps.storage.audit.head(organizationId),
  ])
  if (newestOld === undefined || head === null) return 0
  // The head is never purged: the next event must still link to it (and keep seq gap-free).
  const through = newestOld.seq < head.seq ? newestOld : (await deps.storage.audit.range(organizationId, head.seq - 1, 1))[0]
  if (through === undefined || through.seq >= head.seq) return 0
  const anchor = await signCheckpoint(deps, organizationId, { seq: through.seq, hash: through.hash })
  const { removed, event } = await deps.storage.transaction(async (tx) => {
    await tx.auditCheckpoints.insert(anchor)
    const n = await tx.audit.purge(organizationId, through.seq)
    const e = await appendAuditEvent(deps, tx, {
      organizationId,
      action: 'audit.purged',
      actor: 'system',
      details: { throughSeq: through.seq, removed: n, cutoff: cutoff.toISOString(), anchorCheckpointId: anchor.checkpointId },
    })
    return { removed: n, event: e }
  })
  deps.events.emit(event)
  return removed
}

/** Purges every organization's events older than `retentionDays` (the periodic job). */
export async function purgeExpiredAudit(deps: Deps, retentionDays: number): Promise<number> {
  const cutoff = new Date(deps.clock().getTime() - retentionDays * 86_400_000)
  let removed = 0
  let cursor: string | undefined
  do {
    const page = await deps.storage.organizations.list({ limit: 100, cursor })
    for (const org of page.items) removed += await purgeOrganizationAudit(deps, org.organizationId, cutoff)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return removed
}
