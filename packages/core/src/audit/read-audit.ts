import { requireScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import type { RequestContext } from '../idp.js'
import { validate } from '../internal/validate.js'
import type { AuditEvent, Page } from '../model.js'
import { ListAuditQuery, type AuditEventView, type AuditVerifyView } from '../schemas.js'
import { auditEventView } from '../views.js'
import { GENESIS_HASH, verifyAuditChain } from './hash-chain.js'

const BATCH = 1000

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
    { limit: q.limit ?? 20, cursor: q.cursor },
  )
  return { items: page.items.map(auditEventView), nextCursor: page.nextCursor }
}

/**
 * `GET /audit/verify?from=&to=` (audit:read): recomputes every hash in the seq range and checks
 * that the chain is gap-free and linked. From seq 1 the first link must start at the genesis hash.
 */
export async function verifyAudit(
  deps: Deps,
  ctx: RequestContext,
  range: { from?: number | undefined; to?: number | undefined },
): Promise<AuditVerifyView> {
  requireScope(ctx, 'audit:read')
  const orgId = ctx.auth.organizationId
  const from = Math.max(1, range.from ?? 1)
  const to = range.to ?? Number.MAX_SAFE_INTEGER
  let expected: string | null = from === 1 ? GENESIS_HASH : null
  let nextSeq = from
  let checked = 0
  let head: string | null = null
  for (;;) {
    const batch: AuditEvent[] = (await deps.storage.audit.range(orgId, nextSeq, BATCH)).filter((e) => e.seq <= to)
    const first = batch[0]
    if (first === undefined) break
    if (first.seq !== nextSeq) return { verified: false, checkedCount: checked, headHash: head, brokenAtEventId: first.eventId }
    const result = verifyAuditChain(batch, expected)
    checked += result.checkedCount
    if (!result.verified) {
      return { verified: false, checkedCount: checked, headHash: result.headHash, ...(result.brokenAtEventId === undefined ? {} : { brokenAtEventId: result.brokenAtEventId }) }
    }
    head = result.headHash
    expected = head
    const last = batch.at(-1)
    if (last === undefined || batch.length < BATCH || last.seq >= to) break
    nextSeq = last.seq + 1
  }
  return { verified: true, checkedCount: checked, headHash: head }
}
