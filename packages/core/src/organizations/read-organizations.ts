import { isPlatformAdmin, requireScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../context.js'
import type { Organization, Page } from '../model.js'
import type { ListQuery } from '../agents/agent-schemas.js'
import type { OrganizationView } from './organization-schemas.js'
import { organizationView } from '../views.js'
import { pageOf } from '../schema-kit.js'

export const organizationNotFound = () => new IdpError('NOT_FOUND', 'Organization not found')

/**
 * Loads an organization the caller may see: any for platform administrators, otherwise only the
 * caller's own (others are 404, like ids that do not exist).
 */
export async function loadOrganization(deps: Deps, ctx: RequestContext, organizationId: string): Promise<Organization> {
  if (!isPlatformAdmin(ctx) && organizationId !== ctx.auth.organizationId) throw organizationNotFound()
  const org = await deps.storage.organizations.find(organizationId)
  if (org === null) throw organizationNotFound()
  return org
}

/** `GET /organizations/{id}`: platform administrators, or any agent of that organization. */
export async function getOrganization(deps: Deps, ctx: RequestContext, organizationId: string): Promise<OrganizationView> {
  return organizationView(await loadOrganization(deps, ctx, organizationId))
}

/** `GET /organizations` (admin:orgs). */
export async function listOrganizations(deps: Deps, ctx: RequestContext, query: ListQuery): Promise<Page<OrganizationView>> {
  requireScope(ctx, 'admin:orgs')
  const page = await deps.storage.organizations.list(pageOf(query))
  return { items: page.items.map(organizationView), nextCursor: page.nextCursor }
}
