/**
 * Group commit for high-rate audit events (token issuance and revocation, failed client
 * authentication). Concurrent appends share one storage transaction: while a batch commits, new
 * events queue, and the next batch takes all of them. Each caller's promise resolves only after its
 * event is durable, so a response is never sent for an event that could still be lost. A lone event
 * commits at once: there is no timer and no added latency when the server is idle.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { AuditAction } from '../events.js'
import type { AuditEvent } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import { appendAuditEvent, type AuditInput } from './with-audit.js'

interface Pending {
  input: AuditInput
  /** State change committed in the same transaction as the event (e.g. a revocation row). */
  work: ((tx: StorageTx) => Promise<void>) | undefined
  resolve: (event: AuditEvent) => void
  reject: (err: unknown) => void
}

export interface AuditBatcher {
  /** Appends `input` (after running `work`, in the same transaction); resolves once durable. */
  append(input: AuditInput, work?: (tx: StorageTx) => Promise<void>): Promise<AuditEvent>
  /** Resolves when everything queued so far is committed (or failed). */
  drain(): Promise<void>
}

/** Options of {@link createAuditBatcher}. */
export interface AuditBatcherOptions {
  /** Largest number of events in one transaction. @default 500 */
  maxBatch?: number
}

export function createAuditBatcher(deps: Pick<Deps, 'storage' | 'clock' | 'events'>, options: AuditBatcherOptions = {}): AuditBatcher {
  const maxBatch = options.maxBatch ?? 500
  const queue: Pending[] = []
  let running: Promise<void> | undefined

  const commit = async (batch: Pending[]) => {
    // Lock organizations in one global order so that concurrent batches in other processes,
    // which take the same per-organization locks, can never deadlock.
    const ordered = [...batch].sort((a, b) => (a.input.organizationId < b.input.organizationId ? -1 : a.input.organizationId > b.input.organizationId ? 1 : 0))
    try {
      const events = await deps.storage.transaction(async (tx) => {
        const out: AuditEvent[] = []
        for (const p of ordered) {
          if (p.work !== undefined) await p.work(tx)
          out.push(await appendAuditEvent(deps, tx, p.input))
        }
        return out
      })
      ordered.forEach((p, i) => {
        const event = events[i]
        if (event !== undefined) p.resolve(event)
      })
      for (const e of events) deps.events.emit(e.action as AuditAction, e)
    } catch (err) {
      for (const p of ordered) p.reject(err)
    }
  }

  const run = async () => {
    while (queue.length > 0) await commit(queue.splice(0, maxBatch))
    running = undefined
  }

  return {
    append(input, work) {
      return new Promise<AuditEvent>((resolve, reject) => {
        queue.push({ input, work, resolve, reject })
        running ??= run()
      })
    },
    async drain() {
      while (running !== undefined) await running
    },
  }
}
