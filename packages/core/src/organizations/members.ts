import { withAudit } from '../audit/with-audit.js'
import { assertAuthorityOver } from '../authz/authority.js'
import { requireScope } from '../authz/scopes.js'
import { agentNotFound } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import { validate } from '../internal/validate.js'
import { AddMemberBody, type MemberView } from '../schemas.js'
import { memberView } from '../views.js'
import { loadOrganization } from './read-organizations.js'

/**
 * `POST /organizations/{id}/members` (admin:orgs): the agent must belong to the organization.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2).
 */
export async function addMember(deps: Deps, ctx: RequestContext, organizationId: string, input: AddMemberBody): Promise<MemberView> {
  requireScope(ctx, 'admin:orgs')
  const body = validate(AddMemberBody, input)
  await loadOrganization(deps, ctx, organizationId)
  const member = await withAudit(deps, async (tx, audit) => {
    const agent = await tx.agents.find(organizationId, body.agentId, { forUpdate: true })
    if (agent === null) throw agentNotFound()
    assertAuthorityOver(ctx, agent)
    if (agent.status === 'decommissioned') throw new IdpError('CONFLICT', 'The agent is decommissioned')
    const m = await tx.members.upsert({ organizationId, agentId: body.agentId, role: body.role ?? 'member', createdAt: deps.clock() })
    await audit({ organizationId, action: 'member.added', actor: ctx.auth.agentId, agentId: body.agentId, ip: ctx.ip, details: { role: m.role } })
    return m
  })
  return memberView(member)
}

/** `GET /organizations/{id}/members`: platform administrators, or agents of that organization holding agents:read. */
export async function listMembers(deps: Deps, ctx: RequestContext, organizationId: string): Promise<{ items: MemberView[] }> {
  if (!ctx.auth.isPlatformAdmin) requireScope(ctx, 'agents:read')
  await loadOrganization(deps, ctx, organizationId)
  return { items: (await deps.storage.members.list(organizationId)).map(memberView) }
}

/**
 * `DELETE /organizations/{id}/members/{agentId}` (admin:orgs).
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2).
 */
export async function removeMember(deps: Deps, ctx: RequestContext, organizationId: string, agentId: string): Promise<void> {
  requireScope(ctx, 'admin:orgs')
  await loadOrganization(deps, ctx, organizationId)
  await withAudit(deps, async (tx, audit) => {
    const agent = await tx.agents.find(organizationId, agentId, { forUpdate: true })
    if (agent !== null) assertAuthorityOver(ctx, agent)
    if (!(await tx.members.remove(organizationId, agentId))) throw new IdpError('NOT_FOUND', 'Member not found')
    await audit({ organizationId, action: 'member.removed', actor: ctx.auth.agentId, agentId, ip: ctx.ip })
  })
}
