/**
 * Audits a failed client authentication (`auth.failed`) without making the response wait for it.
 *
 * A failure for a known client id has an organization to append to; an unknown id has none. If the
 * response waited for the append, a wrong secret for an existing id would answer measurably later
 * than one for an id that does not exist (8.5 vs 4.6 ms on PostgreSQL), telling an attacker which
 * client ids exist (issue 10, finding 13). The event is queued on the group-commit batcher instead,
 * from the next turn of the event loop (so not even its hashing runs before the response is
 * written): it commits moments later, `idp.close()` drains the queue before the ports close, and a failed append is logged as an error (a crash in between loses the event — the price
 * of uniform failure latency; the `auth.failed` log line is written at once either way).
 *
 * @module
 */
import type { AuditInput } from '../audit/with-audit.js'
import type { Deps } from '../deps.js'

/**
 * Queues the `auth.failed` event of `input`'s organization; never throws, never waits.
 *
 * @example
 * auditAuthFailure(deps, { organizationId, actor: agentId, agentId, ip: req.ip, details: { clientId, reason } })
 */
export function auditAuthFailure(deps: Deps, input: Omit<AuditInput, 'action' | 'outcome'>): void {
  deps.auditBatcher.appendDeferred({ ...input, action: 'auth.failed', outcome: 'failure' }).catch((err: unknown) => {
    deps.log.error({ err, event: 'auth.failed', organizationId: input.organizationId }, 'could not audit a failed client authentication')
  })
}
