/**
 * `idp.organizations.setPlan`: the one core operation that changes an organization's plan for a
 * billing system. Callable with the system context of that very organization (a billing plugin
 * applying a paid upgrade or a downgrade) or by a platform administrator; audited as `org.updated`
 * with the system context's reason.
 *
 * @module
 */
import { withAudit } from '../audit/with-audit.js'
import { isPlatformAdmin } from '../authz/scopes.js'
import type { RequestContext } from '../context.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import { isSystemContextFor } from '../extensions/contexts.js'
import { PLAN_TIERS, type PlanTier } from '../model.js'
import type { OrganizationView } from './organization-schemas.js'
import { organizationView } from '../views.js'
import { MAX_AGENTS } from './plan-tiers.js'
import { organizationNotFound } from './read-organizations.js'

/**
 * Sets the plan of `organizationId` (and its agent limit).
 *
 * @example
 * const ctx = await api.systemContext(orgId, 'payment provider event evt_123: subscription upgraded')
 * await api.idp.organizations.setPlan(ctx, orgId, 'pro')
 * @throws {IdpError} INSUFFICIENT_SCOPE unless called by the organization's system context or a platform administrator;
 *   VALIDATION_ERROR for an unknown plan; NOT_FOUND for an unknown organization.
 */
export async function setOrganizationPlan(deps: Deps, ctx: RequestContext, organizationId: string, planTier: PlanTier): Promise<OrganizationView> {
  if (!isSystemContextFor(ctx, organizationId) && !isPlatformAdmin(ctx)) {
    throw new IdpError('INSUFFICIENT_SCOPE', 'Only a system context of this organization or a platform administrator can change its plan')
  }
  if (!(PLAN_TIERS as readonly string[]).includes(planTier)) {
    throw new IdpError('VALIDATION_ERROR', 'Unknown plan', { errors: [{ field: '/planTier', message: `must be one of ${PLAN_TIERS.join(', ')}` }] })
  }
  const principal = ctx.auth.principal
  const updated = await withAudit(deps, async (tx, audit) => {
    const row = await tx.organizations.update(organizationId, { planTier, maxAgents: MAX_AGENTS[planTier], updatedAt: deps.clock() })
    if (row === null) throw organizationNotFound()
    await audit({
      organizationId,
      action: 'org.updated',
      actor: ctx.auth.agentId,
      ip: ctx.ip,
      details: { changes: { planTier, maxAgents: MAX_AGENTS[planTier] }, ...(principal?.kind === 'system' && 'reason' in principal ? { reason: principal.reason } : {}) },
    })
    return row
  })
  return organizationView(updated)
}
