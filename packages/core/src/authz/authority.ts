/**
 * The authority rule (SPEC §2, no escalation, ever): a caller may act on an agent — update, suspend,
 * reactivate or decommission it, create, rotate or revoke its credentials, add or remove its keys,
 * change its membership, revoke delegations it made — only if every scope that agent holds is also
 * a scope of the caller's token. An agent holding `admin:orgs` is therefore reachable only with
 * `admin:orgs`. The rule also binds an agent acting on itself: a token narrowed with `scope=` (or a
 * delegated token whose subject is the agent) cannot mint a credential or key that would give the
 * full set back.
 *
 * This module is the only place the rule is written; every operation that changes an agent goes
 * through {@link loadAgentToChange} (or {@link assertAuthorityOver} for an agent it loaded itself,
 * inside the same transaction).
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import type { Agent, Scope } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import { agentNotFound, organizationForAgent } from './tenancy.js'

/**
 * The scopes `target` holds that `callerScopes` lack; `[]` when the caller has authority over it.
 *
 * @example
 * scopesBeyondAuthority(['agents:write'], { scopes: ['agents:write', 'audit:read'] })   // ['audit:read']
 */
export function scopesBeyondAuthority(callerScopes: readonly Scope[], target: Pick<Agent, 'scopes'>): Scope[] {
  return target.scopes.filter((s) => !callerScopes.includes(s))
}

/**
 * `true` when a caller holding `callerScopes` may act on `target`: `target.scopes ⊆ callerScopes`
 * (which includes: a target holding `admin:orgs` needs a caller holding `admin:orgs`).
 *
 * @example
 * hasAuthorityOver(['agents:write', 'agents:read'], { scopes: ['agents:read'] })   // true
 * hasAuthorityOver(['agents:write'], { scopes: ['admin:orgs'] })                    // false
 */
export function hasAuthorityOver(callerScopes: readonly Scope[], target: Pick<Agent, 'scopes'>): boolean {
  return scopesBeyondAuthority(callerScopes, target).length === 0
}

/**
 * Enforces the authority rule for the caller of `ctx` (its token's scopes) over `target`.
 * The target exists in the caller's reach, so the refusal is 403, never 404.
 *
 * @example
 * assertAuthorityOver(ctx, agent)
 * @throws {IdpError} INSUFFICIENT_SCOPE (403, `WWW-Authenticate: Bearer error="insufficient_scope"`
 *   naming the missing scopes) when the target holds a scope the caller's token lacks.
 */
export function assertAuthorityOver(ctx: RequestContext, target: Pick<Agent, 'scopes'>): void {
  const missing = scopesBeyondAuthority(ctx.auth.scopes, target)
  if (missing.length === 0) return
  const detail = missing.includes('admin:orgs')
    ? 'Only a caller holding admin:orgs may act on an agent that holds admin:orgs'
    : `The agent holds scopes the caller's token lacks (${missing.join(' ')}); a caller may act only on agents whose scopes it holds`
  throw new IdpError('INSUFFICIENT_SCOPE', detail, {
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${missing.join(' ')}"` },
  })
}

/**
 * Loads the agent an operation is about to change, inside `tx`, and enforces the authority rule
 * on it. The row is locked until `tx` ends (`forUpdate`), so a concurrent change of the agent's
 * scopes either commits before this read (and is seen by the check) or waits until this
 * transaction has committed: no check is ever made against scopes that are already stale.
 *
 * @example
 * await withAudit(deps, async (tx, audit) => {
 *   const agent = await loadAgentToChange(deps, ctx, tx, agentId)
 *   …
 * })
 * @throws {IdpError} NOT_FOUND when the agent does not exist or belongs to another organization.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over it.
 */
export async function loadAgentToChange(deps: Deps, ctx: RequestContext, tx: StorageTx, agentId: string): Promise<Agent> {
  const organizationId = await organizationForAgent(deps, ctx, agentId, tx)
  const agent = await tx.agents.find(organizationId, agentId, { forUpdate: true })
  if (agent === null) throw agentNotFound()
  assertAuthorityOver(ctx, agent)
  return agent
}
