/**
 * Short-lived memo of positive liveness checks (token not revoked, credential at the same
 * generation or agent key active, agent and organization active), so that a burst of calls with the
 * same token does not read storage four times per call.
 *
 * Changes still take effect at once in this process and within {@link LIVENESS_TTL_MS} everywhere:
 * - every committed state change that can affect liveness (any audit action but issuance, exchange
 *   and failed authentication) clears this process's memo synchronously, before the change's
 *   response is sent, and is announced on {@link LIVENESS_CHANNEL} through the ephemeral store's
 *   publish/subscribe, which clears the memo of every other process;
 * - publish/subscribe is best effort, so an entry also expires after {@link LIVENESS_TTL_MS} of real
 *   time, or as soon as the IdP clock has moved by as much (tests with a fake clock).
 * A generation counter keeps a check that started before a change from re-populating the memo after
 * it. A delegated token's own liveness is not memoised as a whole ({@link livenessKey}): its chain
 * is, below.
 *
 * The same memo, under the same rules, holds the records that client authentication reads
 * ({@link recallLookup}, {@link rememberLookup}): a client's credential, agent and organization,
 * an agent key. Only records found usable are remembered; a change to any of them is audited, so
 * it clears them like a liveness change. It also holds delegation chains found live
 * (`delegation:<org>\0<chainId>`, see `delegation/delegation-chain.ts`): every change that ends a
 * chain is audited (`delegation.revoked` with its cascade, agent and organization status), and
 * expiry, the one that is not, is recomputed from the remembered lineage on every read.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { AUDIT_ACTIONS, type AuditAction } from '../events.js'
import type { AccessTokenClaims } from '../context.js'
import type { LivenessMemo } from '../idp-state.js'

/** Ephemeral-store channel on which processes announce liveness-affecting changes. */
export const LIVENESS_CHANNEL = 'liveness'

/** Longest time a memoised positive liveness check is trusted. */
export const LIVENESS_TTL_MS = 500

const MAX_ENTRIES = 50_000

/** High-rate actions that never make a live token dead. */
const QUIET: ReadonlySet<AuditAction> = new Set<AuditAction>(['token.issued', 'token.exchanged', 'auth.failed', 'hook.vetoed'])

/** The memo key of a token's liveness, or `undefined` when it must not be memoised. */
export function livenessKey(c: AccessTokenClaims): string | undefined {
  // Extension-bound tokens follow state whose changes this memo does not hear of. Delegated tokens
  // are checked in full each time, but their chain (the costly part) comes from the chain memo,
  // which re-judges expiry against the clock on every read; a token-level entry would not.
  if (c.delegation_id !== undefined || c.ext_binding !== undefined) return undefined
  return `${c.organization_id}\u0000${c.sub}\u0000${c.jti}\u0000${c.credential_id ?? ''}\u0000${String(c.credential_generation ?? '')}\u0000${c.agent_key_id ?? ''}`
}

/** A ticket to {@link rememberLive} a check started now; `undefined` when no memo is installed. */
export function livenessTicket(deps: Deps): number | undefined {
  return deps.state.liveness?.generation
}

/** `true` when `key` was found live less than {@link LIVENESS_TTL_MS} ago and nothing changed since. */
export function isKnownLive(deps: Deps, key: string): boolean {
  const memo = deps.state.liveness
  const hit = memo?.entries.get(key)
  if (memo === undefined || hit === undefined) return false
  if (fresh(deps, hit)) return true
  memo.entries.delete(key)
  return false
}

/** Remembers a positive check that started with `ticket` (ignored if something changed since). */
export function rememberLive(deps: Deps, key: string, ticket: number | undefined): void {
  const memo = deps.state.liveness
  if (memo === undefined || ticket === undefined || memo.generation !== ticket) return
  if (memo.entries.size >= MAX_ENTRIES) memo.entries.clear()
  memo.entries.set(key, { realMs: performance.now(), clockMs: deps.clock().getTime() })
}

const fresh = (deps: Deps, hit: { realMs: number; clockMs: number }) =>
  performance.now() - hit.realMs < LIVENESS_TTL_MS && Math.abs(deps.clock().getTime() - hit.clockMs) < LIVENESS_TTL_MS

/**
 * A record remembered under `key` less than {@link LIVENESS_TTL_MS} ago with nothing changed since;
 * `undefined` otherwise. Keys are namespaced by their caller (`client:…`, `agent-key:…`), and each
 * namespace always stores the same type `T`.
 */
export function recallLookup<T>(deps: Deps, key: string): T | undefined {
  const memo = deps.state.liveness
  const hit = memo?.lookups.get(key)
  if (memo === undefined || hit === undefined) return undefined
  if (fresh(deps, hit)) return hit.value as T
  memo.lookups.delete(key)
  return undefined
}

/** Remembers `value` under `key` for a lookup that started with `ticket` (ignored if something changed since). */
export function rememberLookup<T>(deps: Deps, key: string, ticket: number | undefined, value: T): void {
  const memo = deps.state.liveness
  if (memo === undefined || ticket === undefined || memo.generation !== ticket) return
  if (memo.lookups.size >= MAX_ENTRIES) memo.lookups.clear()
  memo.lookups.set(key, { realMs: performance.now(), clockMs: deps.clock().getTime(), value })
}

/**
 * Runs `load` once for concurrent callers with the same `key`: a caller that arrives while a lookup
 * of `key` started after the last change is in flight shares its result instead of reading storage
 * again (after the memo's TTL ends, a burst of requests by one client would otherwise all miss at
 * once). A change clears the flights too, so no caller joins a lookup that started before it.
 */
export function lookupOnce<T>(deps: Deps, key: string, load: () => Promise<T>): Promise<T> {
  const memo = deps.state.liveness
  if (memo === undefined) return load()
  const flying = memo.inflight.get(key)
  if (flying !== undefined) return flying as Promise<T>
  const flight = load()
  memo.inflight.set(key, flight)
  const land = () => {
    if (memo.inflight.get(key) === flight) memo.inflight.delete(key)
  }
  flight.then(land, land)
  return flight
}

/**
 * Forgets everything this process remembers, as a change does. Called when a fresh read finds a
 * token dead: the state changed, possibly in another process whose announcement has not arrived
 * yet, so nothing remembered before is trusted any longer.
 */
export function forgetAll(deps: Deps): void {
  deps.state.liveness?.clear()
}

/**
 * Installs the memo of this IdP: clears it on every liveness-affecting event, announces those to
 * the other processes and listens for theirs. Returns a function that uninstalls it.
 */
export function listenForLivenessChanges(deps: Deps): () => Promise<void> {
  const clear = () => {
    memo.generation++
    memo.entries.clear()
    memo.lookups.clear()
    memo.inflight.clear()
  }
  const memo: LivenessMemo = { generation: 0, entries: new Map(), lookups: new Map(), inflight: new Map(), clear }
  deps.state.liveness = memo
  const offs = AUDIT_ACTIONS.filter((a) => !QUIET.has(a)).map((action) =>
    deps.events.on(action, () => {
      clear()
      deps.ephemeral.publish?.(LIVENESS_CHANNEL, action)?.catch((err: unknown) => deps.log.warn({ err }, 'could not announce a liveness change'))
    }),
  )
  const { subscribe } = deps.ephemeral
  const subscription =
    subscribe === undefined
      ? Promise.resolve(undefined)
      : subscribe.call(deps.ephemeral, LIVENESS_CHANNEL, clear).catch((err: unknown) => {
          deps.log.warn({ err }, 'could not subscribe to liveness announcements; relying on the memo TTL')
          return undefined
        })
  return async () => {
    for (const off of offs) off()
    if (deps.state.liveness === memo) deps.state.liveness = undefined
    clear()
    const off = await subscription
    await off?.().catch(() => undefined)
  }
}
