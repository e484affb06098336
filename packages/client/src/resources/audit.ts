/**
 * The organization's audit log, SPEC §9 (`audit:read`): pages of events (newest first),
 * verification, signed checkpoints, proofs, the NDJSON export, and {@link AuditResource.follow}, which
 * follows the log as it grows.
 *
 * @module
 */
import { isIdpApiError } from '../idp-api-error.js'
import type { AuditCheckpoint, AuditEvent, AuditProof, AuditVerification, AuditVerifyQuery, ListAuditQuery, Page } from '../model.js'
import { paginate } from '../paginate.js'
import { unwrap } from '../unwrap.js'
import type { ApiClient } from './api-client.js'

/** Options of {@link AuditResource.follow}. */
export interface FollowAuditOptions {
  /** Pause between polls. @default 2000 */
  intervalMs?: number
  /** Also yield this many events that existed before following started. @default 0 */
  backlog?: number
  /** Stops following (the iterator then ends without an error). */
  signal?: AbortSignal
  /** Called when the server rate-limits polling, with the wait in ms before the next poll. */
  onBackoff?: (waitMs: number) => void
  /** Called once the starting point is known: events after `seq` will be yielded. */
  onStart?: (seq: number) => void
}

/** `client.audit`. */
export interface AuditResource {
  list(query?: ListAuditQuery): Promise<Page<AuditEvent>>
  /** Every event matching `query`, newest first, page after page. */
  listAll(query?: Omit<ListAuditQuery, 'cursor'>): AsyncGenerator<AuditEvent, void, undefined>
  /**
   * New events in `seq` order as they are appended (polling, following `nextCursor` when more than
   * a page arrived between polls; backs off on 429). Ends when `signal` aborts.
   */
  follow(query?: Omit<ListAuditQuery, 'cursor' | 'limit'>, options?: FollowAuditOptions): AsyncGenerator<AuditEvent, void, undefined>
  /** Checks the hash chain on the server (30 calls per minute; `full: true` recomputes every event). */
  verify(query?: AuditVerifyQuery): Promise<AuditVerification>
  /** Signs a checkpoint of the current head. */
  createCheckpoint(): Promise<AuditCheckpoint>
  latestCheckpoint(): Promise<AuditCheckpoint>
  checkpointOfSize(size: number): Promise<AuditCheckpoint>
  proof(eventId: string, size?: number): Promise<AuditProof>
  /** The NDJSON export (one event per line, `seq` order), as text. */
  export(range?: { from?: number; to?: number }): Promise<string>
}

const PAGE = 100

function abortable(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Builds `client.audit` over the typed REST layer. */
export function auditResource(api: ApiClient): AuditResource {
  const list = (query: ListAuditQuery = {}) => unwrap(api.GET('/api/v1/audit', { params: { query } }))

  /** Events newer than `afterSeq`, oldest first, following the cursor back until `afterSeq` is reached. */
  async function newerThan(query: Omit<ListAuditQuery, 'cursor' | 'limit'>, afterSeq: number): Promise<AuditEvent[]> {
    const fresh: AuditEvent[] = []
    for await (const event of paginate((cursor) => list({ ...query, limit: PAGE, ...(cursor === undefined ? {} : { cursor }) }))) {
      if (event.seq <= afterSeq) break
      fresh.push(event)
    }
    return fresh.reverse()
  }

  return {
    list,
    listAll: (query = {}) => paginate((cursor) => list({ ...query, ...(cursor === undefined ? {} : { cursor }) })),
    async *follow(query = {}, options = {}) {
      const interval = options.intervalMs ?? 2000
      const backlog = options.backlog ?? 0
      const first = await list({ ...query, limit: Math.min(Math.max(backlog, 1), PAGE) })
      let lastSeq = first.items[0]?.seq ?? 0
      options.onStart?.(lastSeq)
      if (backlog > 0) yield* first.items.slice(0, backlog).reverse()
      const aborted = () => options.signal?.aborted === true
      let wait = interval
      while (!aborted()) {
        await abortable(wait, options.signal)
        if (aborted()) return
        try {
          const fresh = await newerThan(query, lastSeq)
          wait = interval
          for (const event of fresh) {
            lastSeq = event.seq
            yield event
          }
        } catch (err) {
          if (!isIdpApiError(err, 'RATE_LIMITED')) throw err
          // Back off: what the server asked for, else double the pause (at most a minute).
          wait = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : Math.min(wait * 2, 60_000)
          options.onBackoff?.(wait)
        }
      }
    },
    verify: (query = {}) => unwrap(api.GET('/api/v1/audit/verify', { params: { query } })),
    createCheckpoint: () => unwrap(api.POST('/api/v1/audit/checkpoints')),
    latestCheckpoint: () => unwrap(api.GET('/api/v1/audit/checkpoints/latest')),
    checkpointOfSize: (size) => unwrap(api.GET('/api/v1/audit/checkpoints/{size}', { params: { path: { size } } })),
    proof: (eventId, size) =>
      unwrap(api.GET('/api/v1/audit/events/{eventId}/proof', { params: { path: { eventId }, query: size === undefined ? {} : { size } } })),
    export: (range = {}) => unwrap(api.GET('/api/v1/audit/export', { params: { query: range }, parseAs: 'text' })),
  }
}
