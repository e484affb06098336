import { requireScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../context.js'
import { validate } from '../internal/validate.js'
import type { AuditEvent, Page } from '../model.js'
import { ListAuditQuery, type AuditEventView, type AuditVerifyView } from './audit-schemas.js'
import { auditEventView } from '../views.js'
import { verifyCheckpointSignature } from './checkpoint.js'
import { GENESIS_HASH, verifyAuditChain } from './hash-chain.js'
import { pageOf } from '../schema-kit.js'

const BATCH = 1000
/** `GET /audit/verify` budget per organization (SPEC §9). */
export const VERIFY_LIMIT_PER_MINUTE = 30

/** `GET /audit` (audit:read): the caller's organization only, newest first. */
export async function listAudit(deps: Deps, ctx: RequestContext, query: ListAuditQuery): Promise<Page<AuditEventView>> {
  requireScope(ctx, 'audit:read')
  const q = validate(ListAuditQuery, query)
  const page = await deps.storage.audit.list(
    ctx.auth.organizationId,
    {
      action: q.action,
      agentId: q.agentId,
      outcome: q.outcome,
      from: q.from === undefined ? undefined : new Date(q.from),
      to: q.to === undefined ? undefined : new Date(q.to),
    },
    pageOf(q),
  )
  return { items: page.items.map(auditEventView), nextCursor: page.nextCursor }
}

async function enforceVerifyLimit(deps: Deps, orgId: string): Promise<void> {
  const windowSeconds = 60
  const bucket = Math.floor(deps.clock().getTime() / (windowSeconds * 1000))
  const used = await deps.ephemeral.increment(`ratelimit:audit-verify:${orgId}:${bucket}`, windowSeconds)
  if (used > VERIFY_LIMIT_PER_MINUTE) {
    const reset = windowSeconds - Math.floor((deps.clock().getTime() / 1000) % windowSeconds)
    throw new IdpError('RATE_LIMITED', `Audit verification is limited to ${VERIFY_LIMIT_PER_MINUTE} calls per minute`, {
      retryAfterSeconds: reset,
      headers: { 'ratelimit-limit': String(VERIFY_LIMIT_PER_MINUTE), 'ratelimit-remaining': '0', 'ratelimit-reset': String(reset) },
    })
  }
}

type Broken = Omit<AuditVerifyView, 'verified'> & { verified: false }
const broken = (checkedCount: number, headHash: string | null, eventId?: string): Broken => ({
  verified: false,
  checkedCount,
  headHash,
  ...(eventId === undefined ? {} : { brokenAtEventId: eventId }),
})

/**
 * `GET /audit/verify?from=&to=` (audit:read, 30/min): recomputes every hash in the seq range and
 * checks that the chain is gap-free and linked. From the start of the log, the first link must be
 * the genesis hash — or, after retention, the head of the signed anchor checkpoint of the purge.
 * The whole log is also checked against the newest signed checkpoint, which catches truncation of
 * the tail and a recomputed chain.
 */
export async function verifyAudit(
  deps: Deps,
  ctx: RequestContext,
  range: { from?: number | undefined; to?: number | undefined },
): Promise<AuditVerifyView> {
  requireScope(ctx, 'audit:read')
  const orgId = ctx.auth.organizationId
  await enforceVerifyLimit(deps, orgId)
  const whole = range.from === undefined && range.to === undefined
  const first = (await deps.storage.audit.range(orgId, 0, 1))[0]
  if (first === undefined) return { verified: true, checkedCount: 0, headHash: null }
  const from = Math.max(first.seq, range.from ?? 1)
  const to = range.to ?? Number.MAX_SAFE_INTEGER
  const jwks = { keys: (await deps.keys.publicKeys()).map((k) => ({ ...k })) }

  let expected: string | null = null
  if (from === first.seq) {
    if (first.seq === 1) expected = GENESIS_HASH
    else {
      const anchor = await deps.storage.auditCheckpoints.findBySize(orgId, first.seq - 1)
      if (anchor === null || !(await verifyCheckpointSignature(anchor, jwks))) return broken(0, null, first.eventId)
      expected = anchor.headHash
    }
  }
  let nextSeq = from
  let checked = 0
  let head: AuditEvent | undefined
  for (;;) {
    const batch = (await deps.storage.audit.range(orgId, nextSeq, BATCH)).filter((e) => e.seq <= to)
    const lead = batch[0]
    if (lead === undefined) break
    if (lead.seq !== nextSeq) return broken(checked, head?.hash ?? null, lead.eventId)
    const result = verifyAuditChain(batch, expected)
    checked += result.checkedCount
    if (!result.verified) return broken(checked, result.headHash, result.brokenAtEventId)
    head = batch.at(-1)
    expected = head?.hash ?? null
    if (head === undefined || batch.length < BATCH || head.seq >= to) break
    nextSeq = head.seq + 1
  }
  if (whole && head !== undefined) {
    // Signed checkpoints detect what the chain alone cannot: a truncated tail or a recomputed chain.
    const cp = await deps.storage.auditCheckpoints.latest(orgId)
    if (cp !== null && cp.size >= first.seq - 1 && (await verifyCheckpointSignature(cp, jwks))) {
      // A checkpoint of the last purged event (retention anchor) seals the first kept event's prevHash.
      const sealedHash =
        cp.size === first.seq - 1
          ? first.prevHash
          : cp.size <= head.seq
            ? (await deps.storage.audit.range(orgId, cp.size, 1)).find((e) => e.seq === cp.size)?.hash
            : undefined
      if (sealedHash !== cp.headHash) return broken(checked, head.hash, head.eventId)
    }
  }
  return { verified: true, checkedCount: checked, headHash: head?.hash ?? null }
}
