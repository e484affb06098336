/**
 * Group commit for high-rate audit events (token issuance and revocation, failed client
 * authentication). Concurrent appends share one storage transaction: while a batch commits, new
 * events queue, and the next batch takes all of them — one lock, one head read and one insert per
 * organization (`AuditRepository.appendMany`). Each caller's promise resolves only after its event
 * is durable, so a response is never sent for an event that could still be lost. A lone event
 * commits at once: there is no timer and no added latency when the server is idle.
 *
 * @module
 */
import type { AuditEvent } from '../model.js'
import type { Storage, StorageTx } from '../ports/storage.js'
import { linkAuditEvent } from './hash-chain.js'
import { unlinkedAuditEvent, type AuditInput } from './with-audit.js'

interface Pending {
  input: AuditInput
  /** State change committed in the same transaction as the event (e.g. a revocation row). */
  work: ((tx: StorageTx) => Promise<void>) | undefined
  resolve: (event: AuditEvent) => void
  reject: (err: unknown) => void
}

/** Appends audit events with group commit. */
export interface AuditBatcher {
  /** Appends `input` (after running `work`, in the same transaction); resolves once durable. */
  append(input: AuditInput, work?: (tx: StorageTx) => Promise<void>): Promise<AuditEvent>
  /**
   * Appends `input` from the next turn of the event loop, so that the caller's response goes out
   * before any of the append's work (hashing included) runs; resolves once durable. For events a
   * response must not wait for (`auth.failed`). `drain()` covers them.
   */
  appendDeferred(input: AuditInput): Promise<AuditEvent>
  /** Resolves when everything queued so far is committed (or failed). */
  drain(): Promise<void>
}

/** What {@link createAuditBatcher} needs. */
export interface AuditBatcherDeps {
  storage: Storage
  clock: () => Date
  /** Called with the events of each committed batch (core emits them as typed events). */
  onCommitted?: (events: readonly AuditEvent[]) => void
  /** Largest number of events in one transaction. @default 500 */
  maxBatch?: number
}

/**
 * Creates a group-commit audit appender over `storage`.
 *
 * @example
 * const audit = createAuditBatcher({ storage, clock: () => new Date() })
 * await audit.append({ organizationId, action: 'token.issued', actor: agentId })
 */
export function createAuditBatcher(deps: AuditBatcherDeps): AuditBatcher {
  const maxBatch = deps.maxBatch ?? 500
  const queue: Pending[] = []
  let running: Promise<void> | undefined

  const commit = async (batch: Pending[]) => {
    // Organizations are locked in one global order so that concurrent batches in other processes,
    // which take the same per-organization locks, can never deadlock.
    const byOrg = new Map<string, Pending[]>()
    for (const p of batch) byOrg.set(p.input.organizationId, [...(byOrg.get(p.input.organizationId) ?? []), p])
    const groups = [...byOrg.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    try {
      const committed = await deps.storage.transaction(async (tx) => {
        const out: [Pending, AuditEvent][] = []
        for (const [orgId, items] of groups) {
          for (const p of items) if (p.work !== undefined) await p.work(tx)
          const links = items.map((p) => {
            const event = unlinkedAuditEvent(deps.clock, p.input)
            return (head: Parameters<typeof linkAuditEvent>[1]) => linkAuditEvent(event, head)
          })
          const events = await tx.audit.appendMany(orgId, links)
          items.forEach((p, i) => {
            const e = events[i]
            if (e !== undefined) out.push([p, e])
          })
        }
        return out
      })
      for (const [p, e] of committed) p.resolve(e)
      deps.onCommitted?.(committed.map(([, e]) => e))
    } catch (err) {
      for (const p of batch) p.reject(err)
    }
  }

  const run = async () => {
    while (queue.length > 0) await commit(queue.splice(0, maxBatch))
    running = undefined
  }
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

  return {
    append(input, work) {
      return new Promise<AuditEvent>((resolve, reject) => {
        queue.push({ input, work, resolve, reject })
        running ??= run()
      })
    },
    appendDeferred(input) {
      return new Promise<AuditEvent>((resolve, reject) => {
        queue.push({ input, work: undefined, resolve, reject })
        running ??= nextTurn().then(run)
      })
    },
    async drain() {
      while (running !== undefined) await running
    },
  }
}
