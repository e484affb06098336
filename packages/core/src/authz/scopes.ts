/**
 * Scope checks (SPEC §2). No escalation: a caller can grant only scopes it holds, and
 * `admin:orgs` only to agents of the platform organization.
 *
 * @module
 */
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import { SCOPES, type Scope } from '../model.js'

const KNOWN = new Set<string>(SCOPES)

/** `true` when `value` names a scope of SPEC §2. */
export function isScope(value: string): value is Scope {
  return KNOWN.has(value)
}

/** @throws {IdpError} INSUFFICIENT_SCOPE (403, `WWW-Authenticate: Bearer error="insufficient_scope"`). */
export function requireScope(ctx: RequestContext, scope: Scope): void {
  if (!ctx.auth.scopes.includes(scope)) {
    throw new IdpError('INSUFFICIENT_SCOPE', `This operation requires the ${scope} scope`, {
      headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
    })
  }
}

/** `true` when the caller may address any organization. */
export function isPlatformAdmin(ctx: RequestContext): boolean {
  return ctx.auth.scopes.includes('admin:orgs')
}

/**
 * Checks that the caller may give `scopes` to an agent.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks one of them.
 * @throws {IdpError} VALIDATION_ERROR when `admin:orgs` is given outside the platform organization.
 */
export function assertGrantable(ctx: RequestContext, scopes: readonly Scope[], targetIsPlatformOrg: boolean): void {
  const missing = scopes.filter((s) => !ctx.auth.scopes.includes(s))
  if (missing.length > 0) {
    throw new IdpError('INSUFFICIENT_SCOPE', `Cannot grant scopes the caller does not hold: ${missing.join(' ')}`)
  }
  if (scopes.includes('admin:orgs') && !targetIsPlatformOrg) {
    throw new IdpError('VALIDATION_ERROR', 'admin:orgs can only be granted to agents of the platform organization', {
      errors: [{ field: '/scopes', message: 'admin:orgs is reserved for platform administrators' }],
    })
  }
}
