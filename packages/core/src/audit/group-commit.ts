/**
 * Group commit for high-rate audit events (token issuance and revocation, failed client
 * authentication). Concurrent appends share one commit: while a batch commits, new events queue,
 * and the next batch takes all of them — one `AuditRepository.appendMany` per organization (one
 * lock, one head check, one insert; on PostgreSQL and PGlite a single statement, its own
 * transaction). A batch holding state changes (`work`) commits them and its events in one
 * transaction instead. Each caller's promise resolves only after its event
 * is durable, so a response is never sent for an event that could still be lost. A lone event
 * commits at once: there is no timer and no added latency when the server is idle.
 *
 * @module
 */
import type { AuditEvent } from '../model.js'
import type { Storage, StorageTx } from '../ports/storage.js'
import { linkAuditEvent } from './hash-chain.js'
import type { AuditInput } from '../events.js'
import { assertKnownAction, unlinkedAuditEvent } from './audit-input.js'

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
  /** Refuses unknown actions (the IdP's registry). @default every action accepted */
  isKnownAction?: (action: string) => boolean
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

  /** The batch's events of one organization, linked after the head storage passes. */
  const linksOf = (items: readonly Pending[]) =>
    items.map((p) => {
      const event = unlinkedAuditEvent(deps.clock, p.input)
      return (head: Parameters<typeof linkAuditEvent>[1]) => linkAuditEvent(event, head)
    })

  const settle = (committed: readonly (readonly [Pending, AuditEvent])[]) => {
    for (const [p, e] of committed) p.resolve(e)
    if (committed.length > 0) deps.onCommitted?.(committed.map(([, e]) => e))
  }

  /**
   * Events alone (no state change to commit with them): one `appendMany` per organization outside
   * any transaction — the storage makes each durable on its own, in as few round trips as it can —
   * all organizations at once. A failure rejects only its organization's callers.
   */
  const commitEvents = async (groups: readonly (readonly [string, Pending[]])[]) => {
    await Promise.all(
      groups.map(async ([orgId, items]) => {
        try {
          const events = await deps.storage.audit.appendMany(orgId, linksOf(items))
          settle(items.flatMap((p, i) => (events[i] === undefined ? [] : [[p, events[i]] as const])))
        } catch (err) {
          for (const p of items) p.reject(err)
        }
      }),
    )
  }

  /** Events with state changes: everything in one transaction, so each change commits with its event. */
  const commitWithWork = async (batch: readonly Pending[], groups: readonly (readonly [string, Pending[]])[]) => {
    try {
      const committed = await deps.storage.transaction(async (tx) => {
        const out: (readonly [Pending, AuditEvent])[] = []
        for (const [orgId, items] of groups) {
          for (const p of items) if (p.work !== undefined) await p.work(tx)
          const events = await tx.audit.appendMany(orgId, linksOf(items))
          items.forEach((p, i) => {
            const e = events[i]
            if (e !== undefined) out.push([p, e])
          })
        }
        return out
      })
      settle(committed)
    } catch (err) {
      for (const p of batch) p.reject(err)
    }
  }

  const commit = async (batch: Pending[]) => {
    // Organizations are locked in one global order so that concurrent batches in other processes,
    // which take the same per-organization locks, can never deadlock.
    const byOrg = new Map<string, Pending[]>()
    for (const p of batch) {
      const items = byOrg.get(p.input.organizationId)
      if (items === undefined) byOrg.set(p.input.organizationId, [p])
      else items.push(p)
    }
    const groups = [...byOrg.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    if (batch.some((p) => p.work !== undefined)) await commitWithWork(batch, groups)
    else await commitEvents(groups)
  }

  const run = async () => {
    while (queue.length > 0) await commit(queue.splice(0, maxBatch))
    running = undefined
  }
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

  return {
    append(input, work) {
      try {
        assertKnownAction(deps.isKnownAction, input.action)
      } catch (err) {
        return Promise.reject(err)
      }
      return new Promise<AuditEvent>((resolve, reject) => {
        queue.push({ input, work, resolve, reject })
        running ??= run()
      })
    },
    appendDeferred(input) {
      try {
        assertKnownAction(deps.isKnownAction, input.action)
      } catch (err) {
        return Promise.reject(err)
      }
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
