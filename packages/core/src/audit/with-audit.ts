/**
 * Runs a state change and its audit events in one storage transaction, then emits the events.
 * This is the only way core writes: nothing changes without its audit event, and no event is
 * emitted for a change that rolled back.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { AuditAction } from '../events.js'
import { newId } from '../internal/crypto.js'
import type { AuditEvent, AuditOutcome } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import { linkAuditEvent, type UnlinkedAuditEvent } from './hash-chain.js'

/** What an operation says about one audited action. */
export interface AuditInput {
  organizationId: string
  action: AuditAction
  outcome?: AuditOutcome
  /** Agent id of the caller, or `system` / `anonymous`. */
  actor: string
  agentId?: string | null
  ip?: string | null | undefined
  details?: Record<string, unknown>
}

export type RecordAudit = (input: AuditInput) => Promise<AuditEvent>

/** The event an input describes, before it is linked into the chain. */
export function unlinkedAuditEvent(clock: () => Date, input: AuditInput): UnlinkedAuditEvent {
  return {
    eventId: newId(),
    organizationId: input.organizationId,
    timestamp: clock(),
    action: input.action,
    outcome: input.outcome ?? 'success',
    actor: input.actor,
    agentId: input.agentId ?? null,
    ip: input.ip ?? null,
    details: input.details ?? {},
  }
}

/** Appends one event inside `tx`. */
export function appendAuditEvent(deps: Pick<Deps, 'clock'>, tx: StorageTx, input: AuditInput): Promise<AuditEvent> {
  const unlinked = unlinkedAuditEvent(deps.clock, input)
  return tx.audit.append(input.organizationId, (head) => linkAuditEvent(unlinked, head))
}

/** Runs `work` with an audit recorder in one transaction; emits the recorded events after commit. */
export async function withAudit<T>(deps: Deps, work: (tx: StorageTx, audit: RecordAudit) => Promise<T>): Promise<T> {
  const recorded: AuditEvent[] = []
  const result = await deps.storage.transaction((tx) =>
    work(tx, async (input) => {
      const event = await appendAuditEvent(deps, tx, input)
      recorded.push(event)
      return event
    }),
  )
  for (const event of recorded) deps.events.emit(event.action as AuditAction, event)
  return result
}
