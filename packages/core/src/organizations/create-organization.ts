import { withAudit } from '../audit/with-audit.js'
import { requireScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import type { RequestContext } from '../context.js'
import { newId } from '../internal/crypto.js'
import { validate } from '../internal/validate.js'
import type { Organization } from '../model.js'
import { CreateOrganizationBody, type OrganizationView } from './organization-schemas.js'
import { organizationView } from '../views.js'
import { MAX_AGENTS } from './plan-tiers.js'

/**
 * Creates an organization (tenant). Platform administrators only (`admin:orgs`).
 * @throws {IdpError} CONFLICT when the slug is taken.
 */
export async function createOrganization(deps: Deps, ctx: RequestContext, input: CreateOrganizationBody): Promise<OrganizationView> {
  requireScope(ctx, 'admin:orgs')
  const body = validate(CreateOrganizationBody, input)
  const now = deps.clock()
  const planTier = body.planTier ?? 'free'
  const org: Organization = {
    organizationId: newId(),
    name: body.name,
    slug: body.slug,
    planTier,
    maxAgents: MAX_AGENTS[planTier],
    status: 'active',
    createdAt: now,
    updatedAt: now,
  }
  await withAudit(deps, async (tx, audit) => {
    await tx.organizations.insert(org)
    await audit({
      organizationId: org.organizationId,
      action: 'org.created',
      actor: ctx.auth.agentId,
      ip: ctx.ip,
      details: { name: org.name, slug: org.slug, planTier, byOrganizationId: ctx.auth.organizationId },
    })
  })
  return organizationView(org)
}
