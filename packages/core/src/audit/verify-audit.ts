/**
 * `GET /audit/verify?from=&to=&full=` (SPEC §9; audit:read, 30 calls a minute per organization).
 *
 * Two modes:
 * - **incremental** (the default, no range): starts from the organization's newest stored checkpoint
 *   whose signature verifies against the published keys, recomputes the event it seals (its hash
 *   must equal the signed head hash) and every event after it up to the head. Cost: the events since
 *   the last checkpoint (the checkpoint job seals every moved log every few minutes), not the whole
 *   log. It proves that the sealed event and everything after it are intact and linked to the signed
 *   head — which also rules out a truncation below the checkpoint and a chain recomputed through it.
 *   It does **not** re-read the events before the checkpoint: a database writer who edits one of them
 *   without touching later hashes goes unnoticed here. `full` mode, the periodic full check and any
 *   holder of an older checkpoint (`verifyAuditLog`) catch that.
 * - **full** (`full: true`, or a `from`/`to` range): recomputes every event of the range — from the
 *   genesis hash, or after retention from the signed anchor checkpoint — and checks the whole log
 *   against the newest signed checkpoint (a truncated tail, a recomputed chain).
 *
 * When no stored checkpoint verifies (none yet, or signed by a key no longer published), the
 * incremental mode falls back to a full verification and says so (`mode: 'full'`).
 *
 * Fairness: concurrent calls for the same organization, mode and range share one computation;
 * at most a few computations run at once per instance (`verification-gate.ts`), and a long one
 * yields to the event loop after every batch, so that other tenants' requests keep flowing.
 *
 * @module
 */
import { requireScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../context.js'
import type { AuditCheckpoint, AuditEvent } from '../model.js'
import type { AuditVerifyView } from './audit-schemas.js'
import { verifyCheckpointSignature } from './checkpoint.js'
import { GENESIS_HASH, computeAuditHash, verifyAuditChain } from './hash-chain.js'
import { VERIFICATION_BUSY_RETRY_AFTER_SECONDS } from './verification-gate.js'

/** `GET /audit/verify` budget per organization (SPEC §9). */
export const VERIFY_LIMIT_PER_MINUTE = 30
/** Events read and recomputed per step; the event loop gets a turn between steps (~15 µs per event). */
const BATCH = 250

/** Query of {@link verifyAudit}: inclusive sequence numbers, and `full` to force a full recomputation. */
export interface VerifyAuditQuery {
  from?: number | undefined
  to?: number | undefined
  full?: boolean | undefined
}

type Mode = AuditVerifyView['mode']
type Jwks = Parameters<typeof verifyCheckpointSignature>[1]

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

/** Lets timers and I/O callbacks run between two batches of hashing. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

const broken = (mode: Mode, checkpointSize: number | null, checkedCount: number, headHash: string | null, eventId?: string): AuditVerifyView => ({
  verified: false,
  checkedCount,
  headHash,
  ...(eventId === undefined ? {} : { brokenAtEventId: eventId }),
  mode,
  checkpointSize,
})

type Walk = { ok: true; checked: number; head: AuditEvent | undefined } | { ok: false; checked: number; headHash: string | null; brokenAtEventId: string }

/**
 * Recomputes the events from `fromSeq` through `toSeq`: gap-free, each linked to the previous
 * (the first to `expected`, unless `null`), each hash recomputed. Reads {@link BATCH} events at a
 * time and yields to the event loop after each batch.
 */
async function walkChain(deps: Deps, orgId: string, fromSeq: number, toSeq: number, expected: string | null): Promise<Walk> {
  let nextSeq = fromSeq
  let prevHash = expected
  let checked = 0
  let head: AuditEvent | undefined
  while (nextSeq <= toSeq) {
    const batch = (await deps.storage.audit.range(orgId, nextSeq, Math.min(BATCH, toSeq - nextSeq + 1))).filter((e) => e.seq <= toSeq)
    const lead = batch[0]
    if (lead === undefined) break
    if (lead.seq !== nextSeq) return { ok: false, checked, headHash: prevHash, brokenAtEventId: lead.eventId }
    const result = verifyAuditChain(batch, prevHash)
    checked += result.checkedCount
    if (!result.verified) return { ok: false, checked, headHash: result.headHash, brokenAtEventId: result.brokenAtEventId ?? lead.eventId }
    head = batch.at(-1)
    prevHash = head?.hash ?? prevHash
    if (head === undefined || batch.length < BATCH) break
    nextSeq = head.seq + 1
    await yieldToEventLoop()
  }
  return { ok: true, checked, head }
}

/** The newest stored checkpoint, when it verifies and can anchor a log whose first event is `first`. */
async function usableCheckpoint(deps: Deps, orgId: string, first: AuditEvent, jwks: Jwks): Promise<AuditCheckpoint | null> {
  const cp = await deps.storage.auditCheckpoints.latest(orgId)
  if (cp === null || cp.organizationId !== orgId || cp.size < first.seq - 1) return null
  return (await verifyCheckpointSignature(cp, jwks)) ? cp : null
}

/** Incremental verification (see the module comment); `null` when no checkpoint can anchor it. */
async function verifyFromCheckpoint(deps: Deps, orgId: string, first: AuditEvent, jwks: Jwks): Promise<AuditVerifyView | null> {
  const cp = await usableCheckpoint(deps, orgId, first, jwks)
  if (cp === null) return null
  const fail = (checked: number, headHash: string | null, eventId?: string) => broken('incremental', cp.size, checked, headHash, eventId)
  let sealedCount = 0
  if (cp.size >= first.seq) {
    // The checkpoint seals event `size`: it must still be there, and hash (recomputed) to the signed head.
    const sealed = (await deps.storage.audit.range(orgId, cp.size, 1))[0]
    if (sealed === undefined) return fail(0, null)
    if (sealed.seq !== cp.size) return fail(0, null, sealed.eventId)
    if (sealed.hash !== cp.headHash || computeAuditHash(sealed, sealed.prevHash) !== cp.headHash) return fail(0, null, sealed.eventId)
    sealedCount = 1
  }
  // Otherwise the checkpoint is the retention anchor: the first kept event must link to its head.
  const walk = await walkChain(deps, orgId, cp.size + 1, Number.MAX_SAFE_INTEGER, cp.headHash)
  if (!walk.ok) return fail(sealedCount + walk.checked, walk.headHash, walk.brokenAtEventId)
  return { verified: true, checkedCount: sealedCount + walk.checked, headHash: walk.head?.hash ?? cp.headHash, mode: 'incremental', checkpointSize: cp.size }
}

/** Full verification of `range` (the whole log when open-ended on both sides). */
async function verifyFull(deps: Deps, orgId: string, first: AuditEvent, jwks: Jwks, range: VerifyAuditQuery): Promise<AuditVerifyView> {
  const whole = range.from === undefined && range.to === undefined
  const from = Math.max(first.seq, range.from ?? 1)
  const to = range.to ?? Number.MAX_SAFE_INTEGER
  let expected: string | null = null
  if (from === first.seq) {
    if (first.seq === 1) expected = GENESIS_HASH
    else {
      const anchor = await deps.storage.auditCheckpoints.findBySize(orgId, first.seq - 1)
      if (anchor === null || !(await verifyCheckpointSignature(anchor, jwks))) return broken('full', null, 0, null, first.eventId)
      expected = anchor.headHash
    }
  }
  const walk = await walkChain(deps, orgId, from, to, expected)
  if (!walk.ok) return broken('full', null, walk.checked, walk.headHash, walk.brokenAtEventId)
  const head = walk.head
  let checkpointSize: number | null = null
  if (whole && head !== undefined) {
    // Signed checkpoints detect what the chain alone cannot: a truncated tail or a recomputed chain.
    const cp = await usableCheckpoint(deps, orgId, first, jwks)
    if (cp !== null) {
      // A checkpoint of the last purged event (retention anchor) seals the first kept event's prevHash.
      const sealedHash =
        cp.size === first.seq - 1
          ? first.prevHash
          : cp.size <= head.seq
            ? (await deps.storage.audit.range(orgId, cp.size, 1)).find((e) => e.seq === cp.size)?.hash
            : undefined
      if (sealedHash !== cp.headHash) return broken('full', cp.size, walk.checked, head.hash, head.eventId)
      checkpointSize = cp.size
    }
  }
  return { verified: true, checkedCount: walk.checked, headHash: head?.hash ?? null, mode: 'full', checkpointSize }
}

/** One verification, computed (not shared, not gated). */
export async function computeVerification(deps: Deps, orgId: string, query: VerifyAuditQuery, mode: Mode): Promise<AuditVerifyView> {
  const first = (await deps.storage.audit.range(orgId, 0, 1))[0]
  if (first === undefined) return { verified: true, checkedCount: 0, headHash: null, mode, checkpointSize: null }
  const jwks = { keys: (await deps.keys.publicKeys()).map((k) => ({ ...k })) }
  if (mode === 'incremental') {
    const incremental = await verifyFromCheckpoint(deps, orgId, first, jwks)
    if (incremental !== null) return incremental
  }
  return verifyFull(deps, orgId, first, jwks, query)
}

/**
 * `GET /audit/verify` (audit:read, 30/min per organization): verifies the caller's organization's
 * audit log, incrementally from the newest signed checkpoint by default, fully with `full: true` or
 * a `from`/`to` range (see the module comment for what each proves).
 *
 * @example
 * const { verified, mode, checkpointSize } = await idp.audit.verify(ctx, {})
 * const thorough = await idp.audit.verify(ctx, { full: true })
 * @throws {IdpError} INSUFFICIENT_SCOPE without audit:read; RATE_LIMITED past 30 calls a minute, or
 *   when the instance already runs and queues as many verifications as it allows (`Retry-After`).
 */
export async function verifyAudit(deps: Deps, ctx: RequestContext, query: VerifyAuditQuery): Promise<AuditVerifyView> {
  requireScope(ctx, 'audit:read')
  const orgId = ctx.auth.organizationId
  // Every call counts, including one that joins a computation already running.
  await enforceVerifyLimit(deps, orgId)
  const mode: Mode = query.full === true || query.from !== undefined || query.to !== undefined ? 'full' : 'incremental'
  const { flights, slots } = deps.auditVerification
  return flights.run(`${orgId}\u0000${mode}\u0000${query.from ?? ''}\u0000${query.to ?? ''}`, async () => {
    const entry = slots.tryAcquire()
    if (entry === undefined) {
      throw new IdpError('RATE_LIMITED', 'Too many audit verifications are running on this server; retry shortly', {
        retryAfterSeconds: VERIFICATION_BUSY_RETRY_AFTER_SECONDS,
      })
    }
    const release = await entry
    try {
      return await computeVerification(deps, orgId, query, mode)
    } finally {
      release()
    }
  })
}
