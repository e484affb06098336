/**
 * Scope checks (SPEC §2). No escalation: a caller can grant only scopes it holds, and
 * `admin:orgs` only to agents of the platform organization.
 *
 * @module
 */
import { IdpError } from '../errors.js'
import { challenge } from '../oauth/http-auth.js'
import type { RequestContext } from '../context.js'
import type { Scope } from '../model.js'

/** @throws {IdpError} INSUFFICIENT_SCOPE (403, `WWW-Authenticate: Bearer error="insufficient_scope"`). */
export function requireScope(ctx: RequestContext, scope: Scope | (string & {})): void {
  if (!ctx.auth.scopes.includes(scope)) {
    throw new IdpError('INSUFFICIENT_SCOPE', `This operation requires the ${scope} scope`, {
      headers: { 'www-authenticate': challenge('Bearer', { error: 'insufficient_scope', scope }) },
    })
  }
}

/**
 * Refuses scopes this IdP does not know (core's and its extensions'), naming each offending item.
 * @throws {IdpError} VALIDATION_ERROR
 */
export function assertKnownScopes(isKnown: (scope: string) => boolean, scopes: readonly string[], field = '/scopes'): void {
  const errors = scopes.flatMap((s, i) => (isKnown(s) ? [] : [{ field: `${field}/${i}`, message: 'must be a scope this server supports' }]))
  if (errors.length > 0) throw new IdpError('VALIDATION_ERROR', 'The request is invalid', { errors })
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
export function assertGrantable(ctx: RequestContext, scopes: readonly string[], targetIsPlatformOrg: boolean): void {
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
