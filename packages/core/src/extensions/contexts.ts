/**
 * Contexts for callers that are not agents: an extension's background work (the system actor)
 * and principals an extension authenticated itself (console operators). Neither is a token: they
 * are built in process, for one organization, and every operation called with them is audited
 * with their actor (`system:<extension>`, `<kind>:<id>`).
 *
 * What the system actor may do is deliberately small: read (`agents:read`, `audit:read`), its own
 * extension's scopes, and the system-only operations (`idp.organizations.setPlan`). It never holds
 * `admin:orgs` or `agents:write`, so background work can neither create, change nor empower agents
 * nor reach another organization — whatever a plugin exposes to its callers, the SPEC §2 authority
 * rule cannot be bypassed through it.
 *
 * @module
 */
import type { AccessTokenClaims, Principal, RequestContext } from '../context.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import { isPlatformOrganization } from '../authz/tenancy.js'
import { newId } from '../internal/crypto.js'
import type { IdpExtension, PrincipalInput } from './extension.js'

/** Scopes of every system context, besides the extension's own. */
export const SYSTEM_SCOPES = ['agents:read', 'audit:read'] as const

/** How long a built context is valid (`expiresAt`); contexts are for one unit of work. */
const CONTEXT_TTL_SECONDS = 300

function contextFor(deps: Deps, organizationId: string, actor: string, scopes: readonly string[], principal: Principal, request: { requestId?: string | undefined; ip?: string | null | undefined } = {}): RequestContext {
  const iat = Math.floor(deps.clock().getTime() / 1000)
  const jti = `ctx-${newId()}`
  const claims: AccessTokenClaims = {
    iss: deps.opts.issuer,
    sub: actor,
    aud: deps.opts.tokens.audience,
    client_id: actor,
    scope: scopes.join(' '),
    agent_id: actor,
    organization_id: organizationId,
    iat,
    exp: iat + CONTEXT_TTL_SECONDS,
    jti,
  }
  return {
    auth: {
      agentId: actor,
      organizationId,
      clientId: actor,
      scopes: Object.freeze([...scopes]),
      jti,
      expiresAt: new Date((iat + CONTEXT_TTL_SECONDS) * 1000),
      isPlatformAdmin: scopes.includes('admin:orgs'),
      claims,
      principal,
    },
    requestId: request.requestId,
    ip: request.ip ?? null,
  }
}

/**
 * The system context of `extension` in one organization.
 * @throws {IdpError} NOT_FOUND when the organization does not exist; VALIDATION_ERROR without a reason
 */
export async function systemContext(deps: Deps, extension: IdpExtension, organizationId: string, reason: string): Promise<RequestContext> {
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 200) {
    throw new IdpError('VALIDATION_ERROR', 'A system context needs a reason (1–200 characters)', { errors: [{ field: '/reason', message: 'required' }] })
  }
  if ((await deps.storage.organizations.find(organizationId)) === null) throw new IdpError('NOT_FOUND', 'Organization not found')
  const scopes = [...SYSTEM_SCOPES, ...(extension.scopes ?? [])]
  return contextFor(deps, organizationId, `system:${extension.id}`, scopes, { kind: 'system', extensionId: extension.id, reason })
}

/**
 * The context of a principal `extension` authenticated itself.
 * @throws {IdpError} CONFIG_INVALID for a kind the extension did not declare; NOT_FOUND for an
 *   unknown or inactive organization; INVALID_SCOPE for an unknown scope, or `admin:orgs` outside
 *   the platform organization.
 */
export async function principalContext(deps: Deps, extension: IdpExtension, input: PrincipalInput): Promise<RequestContext> {
  if (!(extension.principalKinds ?? []).includes(input.kind)) {
    throw new IdpError('CONFIG_INVALID', `Extension ${extension.id} did not declare the principal kind ${input.kind}`)
  }
  if (typeof input.id !== 'string' || !/^[A-Za-z0-9._@-]{1,128}$/.test(input.id)) {
    throw new IdpError('VALIDATION_ERROR', 'Invalid principal id', { errors: [{ field: '/id', message: 'invalid' }] })
  }
  const org = await deps.storage.organizations.find(input.organizationId)
  if (org === null || org.status !== 'active') throw new IdpError('NOT_FOUND', 'Organization not found')
  const unknown = input.scopes.filter((s) => !deps.registry.isScope(s))
  if (unknown.length > 0) throw new IdpError('INVALID_SCOPE', `Unknown scopes: ${unknown.join(' ')}`)
  // The same rule as for agents: admin:orgs exists only in the platform organization.
  if (input.scopes.includes('admin:orgs') && !(await isPlatformOrganization(deps.storage, input.organizationId))) {
    throw new IdpError('INVALID_SCOPE', 'admin:orgs is reserved for the platform organization')
  }
  return contextFor(deps, input.organizationId, `${input.kind}:${input.id}`, input.scopes, { kind: input.kind, id: input.id, extensionId: extension.id }, input)
}

/** `true` when `ctx` is the system context of some extension for `organizationId`. */
export function isSystemContextFor(ctx: RequestContext, organizationId: string): boolean {
  return ctx.auth.principal?.kind === 'system' && ctx.auth.organizationId === organizationId
}

/**
 * Refuses callers that are not agents, for operations that act as the calling agent itself
 * (delegating its authority, describing itself).
 * @throws {IdpError} INSUFFICIENT_SCOPE
 */
export function requireAgentCaller(ctx: RequestContext): void {
  const kind = ctx.auth.principal?.kind ?? 'agent'
  if (kind !== 'agent') throw new IdpError('INSUFFICIENT_SCOPE', 'Only an agent can perform this operation')
}
