import { withAudit } from '../audit/with-audit.js'
import { requireScope } from '../authz/scopes.js'
import { PLATFORM_SLUG } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../context.js'
import { validate } from '../internal/validate.js'
import { UpdateOrganizationBody, type OrganizationView } from './organization-schemas.js'
import { organizationView } from '../views.js'
import { MAX_AGENTS } from './plan-tiers.js'
import { loadOrganization, organizationNotFound } from './read-organizations.js'

/** `PATCH /organizations/{id}` (admin:orgs). The platform organization cannot be suspended. */
export async function updateOrganization(
  deps: Deps,
  ctx: RequestContext,
  organizationId: string,
  input: UpdateOrganizationBody,
): Promise<OrganizationView> {
  requireScope(ctx, 'admin:orgs')
  const body = validate(UpdateOrganizationBody, input)
  const org = await loadOrganization(deps, ctx, organizationId)
  if (org.slug === PLATFORM_SLUG && body.status === 'suspended') {
    throw new IdpError('CONFLICT', 'The platform organization cannot be suspended')
  }
  const now = deps.clock()
  const updated = await withAudit(deps, async (tx, audit) => {
    const row = await tx.organizations.update(organizationId, {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.planTier === undefined ? {} : { planTier: body.planTier, maxAgents: MAX_AGENTS[body.planTier] }),
      ...(body.status === undefined ? {} : { status: body.status }),
      updatedAt: now,
    })
    if (row === null) throw organizationNotFound()
    await audit({ organizationId, action: 'org.updated', actor: ctx.auth.agentId, ip: ctx.ip, details: { changes: body } })
    return row
  })
  return organizationView(updated)
}

/** `DELETE /organizations/{id}` (admin:orgs). @throws {IdpError} CONFLICT while it has live agents. */
export async function deleteOrganization(deps: Deps, ctx: RequestContext, organizationId: string): Promise<void> {
  requireScope(ctx, 'admin:orgs')
  const org = await loadOrganization(deps, ctx, organizationId)
  if (org.slug === PLATFORM_SLUG) throw new IdpError('CONFLICT', 'The platform organization cannot be deleted')
  await withAudit(deps, async (tx, audit) => {
    if ((await tx.agents.countLive(organizationId)) > 0) {
      throw new IdpError('CONFLICT', 'Decommission the organization\'s agents first')
    }
    if (!(await tx.organizations.delete(organizationId, deps.clock()))) throw organizationNotFound()
    await audit({ organizationId, action: 'org.deleted', actor: ctx.auth.agentId, ip: ctx.ip })
  })
}
