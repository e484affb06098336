/**
 * From what an operation says about an audited action to the event before it is linked into the
 * chain; shared by `withAudit` and the group-commit batcher.
 *
 * @module
 */
import { IdpError } from '../errors.js'
import type { AuditInput } from '../events.js'
import { newId } from '../internal/crypto.js'
import type { UnlinkedAuditEvent } from './hash-chain.js'

/** Refuses an action this IdP does not know (a programming error, never a client's). */
export function assertKnownAction(isKnown: ((action: string) => boolean) | undefined, action: string): void {
  if (isKnown !== undefined && !isKnown(action)) throw new IdpError('INTERNAL', `Unknown audit action ${action}`)
}

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
    details: (input.details ?? {}) as Record<string, unknown>,
  }
}

