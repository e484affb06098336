/**
 * Typed events, emitted after the change they describe has committed. Each carries the audit
 * event that recorded it, so a listener sees exactly what the audit log holds.
 *
 * @module
 */
import type { AuditEvent } from './model.js'

/** Every action the core records (SPEC §9). */
export const AUDIT_ACTIONS = [
  'org.created',
  'org.updated',
  'org.deleted',
  'member.added',
  'member.removed',
  'agent.created',
  'agent.updated',
  'agent.suspended',
  'agent.reactivated',
  'agent.decommissioned',
  'credential.generated',
  'credential.rotated',
  'credential.revoked',
  'key.added',
  'key.removed',
  'token.issued',
  'token.revoked',
  'token.exchanged',
  'delegation.created',
  'delegation.revoked',
  'auth.failed',
  'signing_key.rotated',
  'audit.purged',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** Map of event name → payload, for `idp.on(name, listener)`. */
export type IdpEvents = { [K in AuditAction]: AuditEvent }
