/**
 * The audit hash chain (SPEC §9, ARCHITECTURE decision 5).
 *
 * Canonical bytes of an event: the RFC 8785 (JCS) serialization of
 * `{ eventId, seq, organizationId, timestamp (ISO-8601), action, outcome, actor, agentId, ip, details }`,
 * UTF-8 encoded. `hash = hex(SHA-256(canonical bytes ‖ prevHash))`, where `prevHash` is the previous
 * event's `hash` as its 64 ASCII hex characters, and {@link GENESIS_HASH} for `seq` 1.
 *
 * @module
 */
import { canonicalJson } from './canonical-json.js'
import { sha256Hex } from '../internal/crypto.js'
import type { AuditEvent, AuditHead } from '../model.js'

/** `prevHash` of the first event of every chain. */
export const GENESIS_HASH = '0'.repeat(64)

/** The fields an event carries before it is linked into the chain. */
export type UnlinkedAuditEvent = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>

/** Canonical serialization (RFC 8785) of the hashed fields of an event. */
export function canonicalAuditEvent(e: Omit<AuditEvent, 'prevHash' | 'hash'>): string {
  return canonicalJson({
    eventId: e.eventId,
    seq: e.seq,
    organizationId: e.organizationId,
    timestamp: e.timestamp.toISOString(),
    action: e.action,
    outcome: e.outcome,
    actor: e.actor,
    agentId: e.agentId,
    ip: e.ip,
    details: e.details,
  })
}

/** `hash` of an event given its predecessor's hash. */
export function computeAuditHash(e: Omit<AuditEvent, 'prevHash' | 'hash'>, prevHash: string): string {
  return sha256Hex(canonicalAuditEvent(e) + prevHash)
}

/** Links an event after `head` (pure; the storage adapter passes the locked head). */
export function linkAuditEvent(event: UnlinkedAuditEvent, head: AuditHead | null): AuditEvent {
  const seq = (head?.seq ?? 0) + 1
  const prevHash = head?.hash ?? GENESIS_HASH
  const withSeq = { ...event, seq }
  return { ...withSeq, prevHash, hash: computeAuditHash(withSeq, prevHash) }
}

/** Result of {@link verifyAuditChain}. */
export interface ChainVerification {
  verified: boolean
  checkedCount: number
  headHash: string | null
  brokenAtEventId?: string
}

/**
 * Verifies a run of consecutive events: gap-free `seq`, each `prevHash` equal to the previous
 * `hash` (or `expectedPrevHash` for the first), and every `hash` recomputed.
 */
export function verifyAuditChain(events: readonly AuditEvent[], expectedPrevHash: string | null): ChainVerification {
  let prev = expectedPrevHash
  let prevSeq: number | null = null
  let checked = 0
  for (const e of events) {
    const linked = prev === null || e.prevHash === prev
    const contiguous = prevSeq === null || e.seq === prevSeq + 1
    if (!linked || !contiguous || computeAuditHash(e, e.prevHash) !== e.hash) {
      return { verified: false, checkedCount: checked, headHash: prev, brokenAtEventId: e.eventId }
    }
    prev = e.hash
    prevSeq = e.seq
    checked++
  }
  return { verified: true, checkedCount: checked, headHash: prev }
}
