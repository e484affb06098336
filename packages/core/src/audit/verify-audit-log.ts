/**
 * The offline verifier: given a signed checkpoint, the IdP's JWKS and exported events, proves that
 * the log was not rewritten. It needs no access to the IdP. Detects edited, deleted, reordered and
 * inserted events (hash chain), and truncation or wholesale recomputation (the checkpoint's size and
 * head hash are signed).
 *
 * @module
 */
import type { JSONWebKeySet } from 'jose'
import type { AuditEvent } from '../model.js'
import { verifyCheckpointSignature } from './checkpoint.js'
import { GENESIS_HASH, verifyAuditChain } from './hash-chain.js'

/** A checkpoint as exported (`issuedAt` may be an ISO string). */
export interface CheckpointLike {
  organizationId: string
  size: number
  headHash: string
  issuedAt: Date | string
  signature: string
}

/** An event as exported (`timestamp` may be an ISO string). */
export type AuditEventLike = Omit<AuditEvent, 'timestamp'> & { timestamp: Date | string }

/** Input of {@link verifyAuditLog}. */
export interface VerifyAuditLogInput {
  checkpoint: CheckpointLike
  jwks: JSONWebKeySet
  /** Consecutive events ending at (or after) `checkpoint.size`. */
  events: readonly AuditEventLike[]
  /**
   * How the first event is anchored: `genesis` (it must be seq 1), a signed `anchor` checkpoint of
   * size `first.seq - 1` (after retention), or `none` (an inclusion proof: only the run from the first
   * event to the checkpoint is proven).
   * @default 'genesis' when the first event is seq 1, else 'anchor'
   */
  mode?: 'genesis' | 'anchor' | 'none'
  anchor?: CheckpointLike
}

export interface VerifyAuditLogResult {
  verified: boolean
  checkedCount: number
  reason?: string
  brokenAtEventId?: string
}

const fail = (reason: string, checkedCount = 0, brokenAtEventId?: string): VerifyAuditLogResult => ({
  verified: false,
  checkedCount,
  reason,
  ...(brokenAtEventId === undefined ? {} : { brokenAtEventId }),
})

/**
 * Verifies exported audit events against a signed checkpoint.
 *
 * @example
 * const result = await verifyAuditLog({ checkpoint, jwks, events })
 * if (!result.verified) throw new Error(result.reason)
 */
export async function verifyAuditLog(input: VerifyAuditLogInput): Promise<VerifyAuditLogResult> {
  const { checkpoint, jwks } = input
  if (!(await verifyCheckpointSignature(checkpoint, jwks))) return fail('checkpoint signature is invalid')
  const events: AuditEvent[] = input.events
    .filter((e) => e.seq <= checkpoint.size)
    .map((e) => ({ ...e, timestamp: new Date(e.timestamp) }))
  const first = events[0]
  if (first === undefined) return fail('no events to verify')
  if (events.some((e) => e.organizationId !== checkpoint.organizationId)) return fail('events of another organization')
  const mode = input.mode ?? (first.seq === 1 ? 'genesis' : 'anchor')
  let expected: string | null = null
  if (mode === 'genesis') {
    if (first.seq !== 1) return fail('the log does not start at seq 1', 0, first.eventId)
    expected = GENESIS_HASH
  } else if (mode === 'anchor') {
    const anchor = input.anchor
    if (anchor === undefined || anchor.size !== first.seq - 1 || anchor.organizationId !== checkpoint.organizationId) {
      return fail('no anchor checkpoint for the first event', 0, first.eventId)
    }
    if (!(await verifyCheckpointSignature(anchor, jwks))) return fail('anchor checkpoint signature is invalid')
    expected = anchor.headHash
  }
  const chain = verifyAuditChain(events, expected)
  if (!chain.verified) return fail('hash chain broken', chain.checkedCount, chain.brokenAtEventId)
  const last = events.at(-1)
  if (last === undefined || last.seq !== checkpoint.size) {
    return fail(`the log is truncated: the checkpoint covers ${checkpoint.size} events, the log ends at ${last?.seq ?? 0}`, chain.checkedCount)
  }
  if (last.hash !== checkpoint.headHash) return fail('the log was rewritten: head hash differs from the checkpoint', chain.checkedCount, last.eventId)
  return { verified: true, checkedCount: chain.checkedCount }
}
