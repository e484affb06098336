/**
 * Runs a state change and its audit events in one storage transaction, then emits the events.
 * This is the only way core writes: nothing changes without its audit event, and no event is
 * emitted for a change that rolled back.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { AuditInput } from '../events.js'
import type { AuditEvent } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import { assertKnownAction, unlinkedAuditEvent } from './audit-input.js'
import { linkAuditEvent } from './hash-chain.js'

export type { AuditInput } from '../events.js'

export type RecordAudit = (input: AuditInput) => Promise<AuditEvent>

/** Appends one event inside `tx`. @throws {IdpError} INTERNAL for an action this IdP does not know */
export function appendAuditEvent(deps: Pick<Deps, 'clock' | 'registry'>, tx: StorageTx, input: AuditInput): Promise<AuditEvent> {
  assertKnownAction((a) => deps.registry.auditActions.has(a), input.action)
  const unlinked = unlinkedAuditEvent(deps.clock, input)
  return tx.audit.append(input.organizationId, (head) => linkAuditEvent(unlinked, head))
}

/**
 * Runs `work` in one transaction in which audit events may be recorded — through the `audit`
 * callback, or through `recordInTransaction(deps, tx, …)` (extensions' `api.audit.record`) — and
 * emits them after commit. Nothing is emitted when the transaction rolls back.
 */
export async function withAudit<T>(deps: Deps, work: (tx: StorageTx, audit: RecordAudit) => Promise<T>): Promise<T> {
  const recorded: AuditEvent[] = []
  const result = await deps.storage.transaction(async (tx) => {
    deps.openTransactions.set(tx, recorded)
    try {
      return await work(tx, (input) => recordInTransaction(deps, tx, input))
    } finally {
      deps.openTransactions.delete(tx)
    }
  })
  for (const event of recorded) deps.events.emit(event)
  return result
}

/**
 * Appends an event inside `tx`, a transaction opened by {@link withAudit}; it is emitted after that
 * transaction commits.
 * @throws {IdpError} INTERNAL for an unknown action, or a transaction core did not open
 */
export async function recordInTransaction(deps: Deps, tx: StorageTx, input: AuditInput): Promise<AuditEvent> {
  const recorded = deps.openTransactions.get(tx)
  if (recorded === undefined) throw new IdpError('INTERNAL', 'Audit events can only be recorded in a transaction opened by core')
  const event = await appendAuditEvent(deps, tx, input)
  recorded.push(event)
  return event
}
