/**
 * What a delegation chain means at a given moment: whether a link is live (it and every ancestor
 * unrevoked and unexpired, every delegator and delegatee active, the organization active), the
 * nested RFC 8693 `act` claim it confers, and the summary that audit events record. Shared by the
 * delegation operations, the token exchange and the access-token liveness check.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { AccessTokenClaims, RequestContext } from '../context.js'
import type { ChainLinkSummary } from '../events.js'
import type { Delegation } from '../model.js'
import type { StorageTx } from '../ports/storage.js'

/** `live`, or why not. `missing` = no such link in this organization. */
export type DelegationState = 'live' | 'expired' | 'revoked' | 'inactive' | 'missing'

/** A link with its ancestors (root first) and its state. */
export interface DelegationStatus {
  state: DelegationState
  /** Root first; the last element is the link itself. `[]` when missing. */
  lineage: Delegation[]
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
  return { state: active ? 'live' : 'inactive', lineage }
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
  const { state, lineage } = await delegationStatus(deps, c.organization_id, c.delegation_id)
  return state === 'live' && lineage[0]?.delegatorAgentId === c.sub && lineage.at(-1)?.delegateeAgentId === c.act.sub
}
