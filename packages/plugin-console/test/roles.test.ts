/**
 * Roles → scopes and the authority rule (SPEC §2, §12), checked as properties over every caller
 * (operators of each role, agents with any scope set) and every target role.
 */
import fc from 'fast-check'
import type { RequestContext } from '@sentryagent/core'
import { describe, expect, it } from 'vitest'
import { OPERATOR_ROLES, mayManageRole, roleRank, roleScopes, type OperatorRole } from '../src/index.js'

const KNOWN = ['agents:read', 'agents:write', 'tokens:read', 'audit:read', 'delegation:write', 'webhooks:read', 'webhooks:write', 'analytics:read', 'billing:read', 'billing:write', 'admin:orgs', 'operators:read', 'operators:write']

const ctxWith = (scopes: readonly string[]): RequestContext =>
  ({ auth: { scopes, isPlatformAdmin: scopes.includes('admin:orgs') } }) as unknown as RequestContext

const role = fc.constantFrom(...OPERATOR_ROLES)

describe('roleScopes', () => {
  it('maps roles to scopes per SPEC §12', () => {
    expect(roleScopes('owner', KNOWN, false)).not.toContain('admin:orgs')
    expect(roleScopes('owner', KNOWN, true)).toContain('admin:orgs')
    expect(roleScopes('admin', KNOWN, true)).not.toContain('admin:orgs')
    expect(roleScopes('member', KNOWN, false)).toEqual(['agents:read', 'agents:write', 'tokens:read', 'audit:read', 'delegation:write', 'webhooks:read', 'webhooks:write', 'analytics:read', 'billing:read', 'operators:read'])
    expect(roleScopes('viewer', KNOWN, true).every((s) => s.endsWith(':read'))).toBe(true)
    expect(roleScopes('viewer', KNOWN, false)).toContain('audit:read')
  })

  it('only drops scopes the IdP does not know (plugins not installed)', () => {
    fc.assert(
      fc.property(fc.subarray(KNOWN), role, fc.boolean(), (known, r, platform) => {
        const scopes = roleScopes(r, known, platform)
        expect(scopes.every((s) => known.includes(s))).toBe(true)
      }),
    )
  })

  it('orders roles: a more powerful role holds every scope of a less powerful one', () => {
    fc.assert(
      fc.property(fc.subarray(KNOWN), role, role, fc.boolean(), (known, a, b, platform) => {
        fc.pre(roleRank(a) <= roleRank(b))
        const strong = new Set(roleScopes(a, known, platform))
        expect(roleScopes(b, known, platform).every((s) => strong.has(s))).toBe(true)
      }),
    )
  })
})

describe('mayManageRole (no escalation)', () => {
  it('an operator never grants a role beyond its own: scopes are a subset, rank is not above, only owners make owners', () => {
    fc.assert(
      fc.property(fc.subarray(KNOWN), role, role, fc.boolean(), (known, caller, target, platform) => {
        const own = roleScopes(caller, known, platform)
        const targetScopes = roleScopes(target, known, platform)
        const allowed = mayManageRole({ ctx: ctxWith(own), role: caller }, target, targetScopes)
        if (allowed) {
          expect(targetScopes.every((s) => own.includes(s))).toBe(true)
          expect(roleRank(caller)).toBeLessThanOrEqual(roleRank(target))
          if (target === 'owner') expect(caller).toBe('owner')
        }
        if (caller === 'admin' && target === 'owner') expect(allowed).toBe(false)
        if (caller === 'viewer' && target !== 'viewer') expect(allowed).toBe(false)
      }),
    )
  })

  it('an agent grants a role only within its own scopes, and owners only with admin:orgs', () => {
    fc.assert(
      fc.property(fc.subarray(KNOWN), fc.subarray(KNOWN), role, (known, agentScopes, target) => {
        const targetScopes = roleScopes(target, known, false)
        const allowed = mayManageRole({ ctx: ctxWith(agentScopes), role: undefined }, target, targetScopes)
        const subset = targetScopes.every((s) => agentScopes.includes(s))
        expect(allowed).toBe(subset && (target !== 'owner' || agentScopes.includes('admin:orgs')))
      }),
    )
  })

  it('is exhaustive for the four roles among all scopes', () => {
    const table: Record<OperatorRole, OperatorRole[]> = { owner: ['owner', 'admin', 'member', 'viewer'], admin: ['admin', 'member', 'viewer'], member: ['member', 'viewer'], viewer: ['viewer'] }
    for (const caller of OPERATOR_ROLES) {
      const own = roleScopes(caller, KNOWN, false)
      const manageable = OPERATOR_ROLES.filter((t) => mayManageRole({ ctx: ctxWith(own), role: caller }, t, roleScopes(t, KNOWN, false)))
      expect(manageable).toEqual(table[caller])
    }
  })
})
