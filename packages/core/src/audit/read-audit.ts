import { requireScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import type { RequestContext } from '../idp.js'
import { validate } from '../internal/validate.js'
import type { Page } from '../model.js'
import { ListAuditQuery, type AuditEventView } from '../schemas.js'
import { auditEventView } from '../views.js'

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
