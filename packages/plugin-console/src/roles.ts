/**
 * Roles → scopes (SPEC §12) and the authority rule (SPEC §2) for operators: an operator holds the
 * scopes of its role and can never grant, or act, beyond them.
 *
 * - owner, admin: every scope the IdP knows except `admin:orgs`; an owner of the platform
 *   organization also holds `admin:orgs`.
 * - member: agents (with their credentials and keys), delegation and webhooks, read and write;
 *   and every `:read` scope, so that each role holds every scope of the roles below it.
 * - viewer: every `:read` scope.
 *
 * @module
 */
import type { RequestContext } from '@sentryagent/core'
import { OPERATOR_ROLES, type OperatorRole } from './model.js'

const MEMBER_SCOPES = new Set(['agents:read', 'agents:write', 'delegation:write', 'webhooks:read', 'webhooks:write'])

/** The scopes of `role` among `known` (the IdP's registry), in the registry's order. */
export function roleScopes(role: OperatorRole, known: readonly string[], platformOrganization: boolean): string[] {
  switch (role) {
    case 'owner':
      return known.filter((s) => s !== 'admin:orgs' || platformOrganization)
    case 'admin':
      return known.filter((s) => s !== 'admin:orgs')
    case 'member':
      // A member also reads what a viewer reads: roles are ordered (owner ⊇ admin ⊇ member ⊇ viewer).
      return known.filter((s) => MEMBER_SCOPES.has(s) || s.endsWith(':read'))
    case 'viewer':
      return known.filter((s) => s.endsWith(':read'))
  }
}

/** 0 = owner … 3 = viewer. */
export const roleRank = (role: OperatorRole): number => OPERATOR_ROLES.indexOf(role)

/** The caller of an operator-management operation. */
export interface Manager {
  ctx: RequestContext
  /** The caller's own role when it is an operator; `undefined` for an agent. */
  role: OperatorRole | undefined
}

/**
 * May `manager` give (or take away) role `target` in the organization where `targetScopes` are the
 * role's scopes? Both must hold:
 * - the role's scopes are a subset of the caller's own scopes (no escalation, SPEC §2);
 * - an operator caller manages only roles at most as powerful as its own, and only an owner
 *   manages owners (an admin cannot create an owner); an agent caller manages owners only when it
 *   is a platform administrator (`admin:orgs`).
 */
export function mayManageRole(manager: Manager, target: OperatorRole, targetScopes: readonly string[]): boolean {
  const own = new Set(manager.ctx.auth.scopes)
  if (!targetScopes.every((s) => own.has(s))) return false
  if (manager.role === undefined) return target !== 'owner' || manager.ctx.auth.isPlatformAdmin
  if (target === 'owner') return manager.role === 'owner'
  return roleRank(manager.role) <= roleRank(target)
}

export const isOperatorRole = (v: unknown): v is OperatorRole => typeof v === 'string' && (OPERATOR_ROLES as readonly string[]).includes(v)
