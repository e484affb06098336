/**
 * The one scope-narrowing rule of every grant (RFC 6749 §3.3): a token request may ask for a
 * subset of what it is allowed; no `scope` parameter means everything allowed; asking for anything
 * else — an unknown scope, or one not allowed — is `invalid_scope`. Allowed scopes this IdP does not
 * know (e.g. a disabled plugin's) are never granted.
 *
 * @module
 */
import { IdpError } from '../errors.js'

/**
 * Narrows `allowed` to the space-separated `requested` scopes.
 *
 * @example
 * narrowScopes('agents:read', ['agents:read', 'audit:read'], isScope)   // ['agents:read']
 * narrowScopes(undefined, ['agents:read', 'gone:read'], isScope)        // ['agents:read']
 * @throws {IdpError} INVALID_SCOPE when a requested scope is unknown or not allowed, or none is requested
 */
export function narrowScopes(requested: string | undefined, allowed: readonly string[], isKnown: (scope: string) => boolean): string[] {
  const grantable = [...new Set(allowed.filter(isKnown))]
  if (requested === undefined) return grantable
  const asked = [...new Set(requested.split(' ').filter((s) => s !== ''))]
  if (asked.length === 0 || asked.some((s) => !grantable.includes(s))) {
    throw new IdpError('INVALID_SCOPE', 'The requested scope exceeds the scopes that can be granted')
  }
  return asked
}
