/**
 * Tenancy (ARCHITECTURE decision 6): the organization comes from the caller's token. Platform
 * administrators may address any organization; everyone else gets 404 for other organizations' ids,
 * exactly as for ids that do not exist.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import type { Agent } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import { isPlatformAdmin } from './scopes.js'

/** Slug of the organization that holds platform administrators (created by bootstrap). */
export const PLATFORM_SLUG = 'platform'

export const agentNotFound = () => new IdpError('NOT_FOUND', 'Agent not found')

/**
 * The organization an agent id is addressed in, for this caller. Inside a transaction, pass its
 * `tx`: PGlite has one connection, which a query outside the open transaction would wait for forever.
 */
export async function organizationForAgent(
  deps: Deps,
  ctx: RequestContext,
  agentId: string,
  tx: StorageTx = deps.storage,
): Promise<string> {
  if (!isPlatformAdmin(ctx)) return ctx.auth.organizationId
  return (await tx.agents.ownerOf(agentId)) ?? ctx.auth.organizationId
}

/** Loads an agent visible to the caller. @throws {IdpError} NOT_FOUND */
export async function loadAgent(deps: Deps, ctx: RequestContext, agentId: string, tx: StorageTx = deps.storage): Promise<Agent> {
  const orgId = await organizationForAgent(deps, ctx, agentId, tx)
  const agent = await tx.agents.find(orgId, agentId)
  if (agent === null) throw agentNotFound()
  return agent
}

/** `true` when `organizationId` is the platform organization. */
export async function isPlatformOrganization(tx: StorageTx, organizationId: string): Promise<boolean> {
  return (await tx.organizations.find(organizationId))?.slug === PLATFORM_SLUG
}
