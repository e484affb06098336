/**
 * The audit log as an outbox. A consumer reads every organization's events in `seq` order from a
 * cursor per (consumer, organization) and runs its handler on each batch inside the transaction
 * that advances the cursor, so a batch commits exactly with its effects: a crash before commit
 * re-delivers it (at-least-once), nothing is ever skipped. The cursor row is locked for the
 * transaction and other processes skip a locked organization, so two processes never handle the
 * same batch at the same time. Events removed by retention before the consumer reached them are
 * skipped with a warning (the cursor moves to the first kept event).
 *
 * A consumer polls, and is nudged by the commits of its own process. Nudges are coalesced: the
 * first one starts a pass after {@link NUDGE_DELAY_MS}, and commits during a pass start the next
 * pass no sooner than that delay after it — under load, each pass takes the events of many commits
 * in one batch instead of running its statements once per commit. `drain()` never waits.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { AuditAction, AuditEventOf } from '../events.js'
import type { AuditConsumer, ConsumeHandler, ConsumeOptions } from '../extensions/extension.js'
import { withAudit } from './with-audit.js'

const ORGS_PER_PASS = 100
/** How long nudges (commits in this process) gather before the pass they share. */
export const NUDGE_DELAY_MS = 200

/**
 * Starts a consumer.
 *
 * @example
 * const consumer = consumeAudit(deps, 'analytics.rollup', async (events, tx) => { … }, { actions: ['token.issued'] })
 * await consumer.drain()
 */
export function consumeAudit<A extends AuditAction>(
  deps: Deps,
  consumerId: string,
  handler: ConsumeHandler<A>,
  options: ConsumeOptions<A> = {},
): AuditConsumer {
  const batchSize = options.batchSize ?? 500
  const wanted: ReadonlySet<string> = options.actions === undefined ? deps.registry.auditActions : new Set(options.actions)
  const log = deps.log.child({ consumer: consumerId })
  let stopped = false
  let running: Promise<number> | undefined
  /** Another pass is due after the running one: nudged by a commit (`'nudge'`) or asked for by `drain()`. */
  let again: 'nudge' | 'drain' | undefined
  let pause: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | undefined
  /** Waits before a nudged pass; `drain()` and `stop()` cut the wait short. */
  const gather = () =>
    new Promise<void>((resolve) => {
      pause = { timer: setTimeout(resolve, NUDGE_DELAY_MS), resolve }
    }).finally(() => {
      pause = undefined
    })
  const wake = () => {
    if (pause === undefined) return
    clearTimeout(pause.timer)
    pause.resolve()
  }

  /** One batch of one organization: the number of events passed (handled or filtered), or `null` when skipped. */
  const processOrganization = (organizationId: string): Promise<number | null> =>
    withAudit(deps, async (tx) => {
      const position = await tx.auditConsumers.claim(consumerId, organizationId)
      if (position === null) return null // another process holds this organization's cursor
      const events = await tx.audit.range(organizationId, position + 1, batchSize)
      const first = events[0]
      const last = events.at(-1)
      if (first === undefined || last === undefined) return 0
      if (first.seq > position + 1) {
        log.warn({ organizationId, from: position + 1, to: first.seq - 1 }, 'audit events were purged before this consumer read them')
      }
      const batch = events.filter((e) => wanted.has(e.action)) as unknown as AuditEventOf<A>[]
      if (batch.length > 0) await handler(batch, tx)
      await tx.auditConsumers.advance(consumerId, organizationId, last.seq, deps.clock())
      return events.length
    })

  const pass = async (): Promise<number> => {
    let total = 0
    for (;;) {
      const pending = await deps.storage.auditConsumers.pending(consumerId, ORGS_PER_PASS)
      // Another round at once only while some organization has more than a batch waiting (or
      // there may be more organizations): events committed during this pass nudge the next one.
      let progressed = false
      let more = pending.length === ORGS_PER_PASS
      for (const { organizationId } of pending) {
        if (stopped) return total
        try {
          const n = await processOrganization(organizationId)
          if (n !== null && n > 0) {
            progressed = true
            total += n
            if (n >= batchSize) more = true
          }
        } catch (err) {
          // Rolled back: the batch stays pending and is retried on the next poll.
          log.error({ err, organizationId }, 'audit consumer batch failed')
        }
      }
      if (!progressed || !more) return total
    }
  }

  const drain = (): Promise<number> => {
    if (running !== undefined) {
      again = 'drain'
      wake()
      return running
    }
    const run = (async () => {
      let total = 0
      for (;;) {
        again = undefined
        total += await pass()
        if (again === 'nudge' && !stopped) await gather()
        if (again === undefined || stopped) return total
      }
    })()
    running = run
    return run.finally(() => {
      running = undefined
    })
  }

  const poll = () => {
    if (stopped) return
    drain().catch((err: unknown) => log.warn({ err }, 'audit consumer poll failed'))
  }
  const timer = setInterval(poll, options.pollIntervalMs ?? 1000)
  timer.unref?.()
  // Commits in this process nudge the consumer; nudges within NUDGE_DELAY_MS share one pass.
  let nudged: ReturnType<typeof setTimeout> | undefined
  const off = deps.events.onAny(() => {
    if (running !== undefined) again ??= 'nudge'
    else nudged ??= setTimeout(() => {
      nudged = undefined
      poll()
    }, NUDGE_DELAY_MS)
  })
  setTimeout(poll, 0).unref?.()

  return {
    drain,
    async stop() {
      stopped = true
      clearInterval(timer)
      clearTimeout(nudged)
      wake()
      off()
      await running?.catch(() => undefined)
    },
  }
}
