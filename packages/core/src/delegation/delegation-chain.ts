/**
 * What a delegation chain means at a given moment: whether a link is live (it and every ancestor
 * unrevoked and unexpired, every delegator and delegatee active, the organization active), the
 * nested RFC 8693 `act` claim it confers, and the summary that audit events record. Shared by the
 * delegation operations, the token exchange and the access-token liveness check.
 *
 * Read paths (token exchange, delegated access tokens, `verify-delegation`) go through
 * {@link recallDelegationStatus}, which keeps a chain found `live` in the liveness memo
 * (`tokens/liveness-memo.ts`) under its rules: at most `LIVENESS_TTL_MS`, cleared at once in
 * this process and announced to the others by every change that can end a chain — each is audited:
 * `delegation.revoked` (the link and, in the same event, every descendant), `agent.suspended`,
 * `agent.decommissioned`, `agent.updated` (scopes of the root delegator), `org.updated` (suspension),
 * `org.deleted`. The one change that is not audited is time: expiry is recomputed from the
 * remembered lineage against `deps.clock()` on every call, so a memoised chain still stops at its
 * `expiresAt`. Writes (`create-delegation`) and transactions read {@link delegationStatus} fresh.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { AccessTokenClaims, RequestContext } from '../context.js'
import type { ChainLinkSummary } from '../events.js'
import type { Agent, Delegation } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import { livenessTicket, lookupOnce, recallLookup, rememberLookup } from '../tokens/liveness-memo.js'

/** `live`, or why not. `missing` = no such link in this organization. */
export type DelegationState = 'live' | 'expired' | 'revoked' | 'inactive' | 'missing'

/** A link with its ancestors (root first) and its state. */
export interface DelegationStatus {
  state: DelegationState
  /** Root first; the last element is the link itself. `[]` when missing. */
  lineage: Delegation[]
  /** Every delegator and delegatee of the chain, as read with it; only when `live`. */
  agents?: readonly Agent[]
}

/** The state of link `chainId` of `organizationId` at `deps.clock()`. */
export async function delegationStatus(
  deps: Deps,
  organizationId: string,
  chainId: string,
  tx: StorageTx = deps.storage,
): Promise<DelegationStatus> {
  const lineage = await tx.delegations.lineage(organizationId, chainId)
  if (lineage.length === 0 || lineage.at(-1)?.chainId !== chainId) return { state: 'missing', lineage }
  if (lineage.some((d) => d.revokedAt !== null)) return { state: 'revoked', lineage }
  const now = deps.clock()
  if (lineage.some((d) => d.expiresAt <= now)) return { state: 'expired', lineage }
  // Suspending or decommissioning anyone along the chain cuts everything derived from it.
  const agentIds = new Set(lineage.flatMap((d) => [d.delegatorAgentId, d.delegateeAgentId]))
  const [org, ...agents] = await Promise.all([
    tx.organizations.find(organizationId),
    ...[...agentIds].map((id) => tx.agents.find(organizationId, id)),
  ])
  const active = org?.status === 'active' && agents.every((a) => a !== null && a.status === 'active')
  return active ? { state: 'live', lineage, agents: agents.filter((a) => a !== null) } : { state: 'inactive', lineage }
}

/** What the memo keeps of a live chain: everything but its state, which time alone can change. */
type RememberedChain = Pick<DelegationStatus, 'lineage' | 'agents'>

/** `live` unless a link of `lineage` has expired at `deps.clock()`. */
function liveAtNow(deps: Deps, chain: RememberedChain): DelegationStatus {
  const now = deps.clock()
  if (chain.lineage.some((d) => d.expiresAt <= now)) return { state: 'expired', lineage: chain.lineage }
  return { state: 'live', ...chain }
}

/**
 * {@link delegationStatus} for read paths, memoised while `live` (see the module comment). Never
 * for a write or inside a transaction: those must read the chain fresh.
 */
export async function recallDelegationStatus(deps: Deps, organizationId: string, chainId: string): Promise<DelegationStatus> {
  const key = `delegation:${organizationId}\u0000${chainId}`
  const remembered = recallLookup<RememberedChain>(deps, key)
  if (remembered !== undefined) return liveAtNow(deps, remembered)
  // Taken before the read: a change committed during it makes the result unrememberable.
  const ticket = livenessTicket(deps)
  const status = await lookupOnce(deps, key, () => delegationStatus(deps, organizationId, chainId))
  if (status.state !== 'live') return status
  const chain: RememberedChain = { lineage: status.lineage, ...(status.agents === undefined ? {} : { agents: status.agents }) }
  rememberLookup(deps, key, ticket, chain)
  // A shared read may have started before this caller's moment: expiry is judged now.
  return liveAtNow(deps, chain)
}

/**
 * The `act` claim of a token exchanged through `lineage` (RFC 8693 §4.1): the outermost `act` is the
 * current actor (the last delegatee), each nested `act` the actor before it.
 */
export function actClaim(lineage: readonly Delegation[]): { sub: string; act?: unknown } {
  let act: { sub: string; act?: unknown } | undefined
  for (const d of lineage) act = act === undefined ? { sub: d.delegateeAgentId } : { sub: d.delegateeAgentId, act }
  if (act === undefined) throw new Error('actClaim: empty lineage')
  return act
}

/** The chain as audit events record it, root first. */
export function chainSummary(lineage: readonly Delegation[]): ChainLinkSummary[] {
  return lineage.map((d) => ({
    chainId: d.chainId,
    delegatorAgentId: d.delegatorAgentId,
    delegateeAgentId: d.delegateeAgentId,
    scopes: d.scopes,
    depth: d.depth,
    expiresAt: d.expiresAt.toISOString(),
  }))
}

/** The agent actually making a request: the actor of a delegated token, else its subject. */
export function actingAgentId(ctx: RequestContext): string {
  return ctx.auth.claims.act?.sub ?? ctx.auth.agentId
}

/**
 * Liveness of a token obtained by token exchange (`delegation_id` present): the chain is live, the
 * token's `sub` is the chain's root delegator and its `act.sub` the link's delegatee.
 */
export async function isDelegatedTokenLive(deps: Deps, c: AccessTokenClaims): Promise<boolean> {
  if (typeof c.delegation_id !== 'string' || typeof c.act?.sub !== 'string') return false
  const { state, lineage } = await recallDelegationStatus(deps, c.organization_id, c.delegation_id)
  return state === 'live' && lineage[0]?.delegatorAgentId === c.sub && lineage.at(-1)?.delegateeAgentId === c.act.sub
}
