/**
 * Checkpoints, inclusion proofs and export (SPEC §9): the operations behind
 * `POST|GET /audit/checkpoints…`, `GET /audit/events/{id}/proof` and `GET /audit/export`.
 *
 * @module
 */
import { requireScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../context.js'
import type { AuditCheckpoint } from '../model.js'
import type { AuditCheckpointView, AuditEventView, AuditProofView } from './audit-schemas.js'
import { auditEventView } from '../views.js'
import { checkpointView, signCheckpoint } from './checkpoint.js'

/** Longest run of events one proof may carry; checkpoints are frequent enough to stay below it. */
export const MAX_PROOF_EVENTS = 10_000
const BATCH = 1000

/**
 * Signs and stores a checkpoint of the organization's current head; returns the latest one
 * unchanged when the head has not moved. `null` for an empty log.
 */
export async function checkpointOrganization(deps: Deps, organizationId: string): Promise<AuditCheckpoint | null> {
  const [head, latest] = await Promise.all([deps.storage.audit.head(organizationId), deps.storage.auditCheckpoints.latest(organizationId)])
  if (head === null) return null
  if (latest !== null && latest.size === head.seq && latest.headHash === head.hash) return latest
  const cp = await signCheckpoint(deps, organizationId, head)
  await deps.storage.auditCheckpoints.insert(cp)
  return cp
}

/** Checkpoints every organization whose log moved (the periodic job). Returns how many were signed. */
export async function checkpointAllOrganizations(deps: Deps): Promise<number> {
  let signed = 0
  let cursor: string | undefined
  do {
    const page = await deps.storage.organizations.list({ limit: 100, cursor })
    for (const org of page.items) {
      const before = await deps.storage.auditCheckpoints.latest(org.organizationId)
      const cp = await checkpointOrganization(deps, org.organizationId)
      if (cp !== null && cp.checkpointId !== before?.checkpointId) signed++
    }
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return signed
}

const emptyLog = () => new IdpError('NOT_FOUND', 'The audit log is empty')

/** `POST /audit/checkpoints` (audit:read): a checkpoint of the current head, signed now if needed. */
export async function createCheckpoint(deps: Deps, ctx: RequestContext): Promise<AuditCheckpointView> {
  requireScope(ctx, 'audit:read')
  const cp = await checkpointOrganization(deps, ctx.auth.organizationId)
  if (cp === null) throw emptyLog()
  return checkpointView(cp)
}

/** `GET /audit/checkpoints/latest` (audit:read): the newest stored checkpoint (one is signed if none exists). */
export async function latestCheckpoint(deps: Deps, ctx: RequestContext): Promise<AuditCheckpointView> {
  requireScope(ctx, 'audit:read')
  const cp = (await deps.storage.auditCheckpoints.latest(ctx.auth.organizationId)) ?? (await checkpointOrganization(deps, ctx.auth.organizationId))
  if (cp === null) throw emptyLog()
  return checkpointView(cp)
}

/** `GET /audit/checkpoints/{size}` (audit:read): the newest checkpoint of that size (e.g. a retention anchor). */
export async function checkpointOfSize(deps: Deps, ctx: RequestContext, size: number): Promise<AuditCheckpointView> {
  requireScope(ctx, 'audit:read')
  const cp = await deps.storage.auditCheckpoints.findBySize(ctx.auth.organizationId, size)
  if (cp === null) throw new IdpError('NOT_FOUND', 'No checkpoint of that size')
  return checkpointView(cp)
}

/**
 * `GET /audit/events/{eventId}/proof?size=` (audit:read): the event, a checkpoint covering it (the
 * one of `size` when given — the checkpoint the caller holds — else the smallest covering one, signed
 * now if none covers it yet) and every event from it up to the checkpoint, so that the holder can
 * recompute the chain from the event to the signed head offline (`verifyAuditLog`, mode `none`).
 */
export async function auditEventProof(deps: Deps, ctx: RequestContext, eventId: string, size?: number): Promise<AuditProofView> {
  requireScope(ctx, 'audit:read')
  const orgId = ctx.auth.organizationId
  const event = await deps.storage.audit.findEvent(orgId, eventId)
  if (event === null) throw new IdpError('NOT_FOUND', 'Audit event not found')
  let cp =
    size === undefined
      ? await deps.storage.auditCheckpoints.findCovering(orgId, event.seq)
      : await deps.storage.auditCheckpoints.findBySize(orgId, size)
  if (cp === null && size === undefined) cp = await checkpointOrganization(deps, orgId)
  if (cp === null || cp.size < event.seq) throw new IdpError('NOT_FOUND', 'No checkpoint of that size covers this event')
  if (cp.size - event.seq + 1 > MAX_PROOF_EVENTS) {
    throw new IdpError('VALIDATION_ERROR', `The proof would exceed ${MAX_PROOF_EVENTS} events; use a newer checkpoint or the export`, {
      errors: [{ field: '/size', message: 'checkpoint too far from the event' }],
    })
  }
  const events: AuditEventView[] = []
  for (let from = event.seq; from <= cp.size; from += BATCH) {
    const batch = await deps.storage.audit.range(orgId, from, Math.min(BATCH, cp.size - from + 1))
    events.push(...batch.map(auditEventView))
    if (batch.length === 0) break
  }
  return { event: auditEventView(event), checkpoint: checkpointView(cp), events }
}

/** `GET /audit/export?from=&to=` (audit:read): the organization's events in seq order, streamed in batches. */
export async function* exportAudit(
  deps: Deps,
  ctx: RequestContext,
  range: { from?: number | undefined; to?: number | undefined },
): AsyncGenerator<AuditEventView> {
  requireScope(ctx, 'audit:read')
  const to = range.to ?? Number.MAX_SAFE_INTEGER
  let from = Math.max(1, range.from ?? 1)
  for (;;) {
    const batch = await deps.storage.audit.range(ctx.auth.organizationId, from, BATCH)
    for (const e of batch) {
      if (e.seq > to) return
      yield auditEventView(e)
    }
    const last = batch.at(-1)
    if (last === undefined || batch.length < BATCH) return
    from = last.seq + 1
  }
}
