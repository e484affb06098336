import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AccessTokenError, bearerTokenOf } from './access-token-error.js'

describe('AccessTokenError.challenge (RFC 6750 §3)', () => {
  it('omits the error code when no token was sent, and names the required scope', () => {
    expect(new AccessTokenError('missing_token', 'A Bearer access token is required').challenge()).toBe('Bearer')
    expect(new AccessTokenError('missing_token', 'x', { requiredScopes: ['a:read'] }).challenge('api')).toBe('Bearer realm="api", scope="a:read"')
    expect(new AccessTokenError('insufficient_scope', 'lacks b', { requiredScopes: ['a', 'b'] }).challenge()).toBe(
      'Bearer error="insufficient_scope", error_description="lacks b", scope="a b"',
    )
    expect(new AccessTokenError('invalid_token', 'expired').status).toBe(401)
    expect(new AccessTokenError('temporarily_unavailable', 'down').challenge()).toBe('Bearer')
  })

  it('never lets a description break out of its quoted-string', () => {
    fc.assert(
      fc.property(fc.string(), (description) => {
        const header = new AccessTokenError('invalid_token', description).challenge('r')
        const quoted = header.slice('Bearer '.length).match(/^(realm="[^"\\]*"), (error="[^"\\]*"), (error_description="[^"\\]*")$/)
        expect(quoted).not.toBeNull()
      }),
    )
  })
})

describe('bearerTokenOf (RFC 6750 §2.1)', () => {
  it('extracts the b64token, ignores other schemes, refuses malformed Bearer headers', () => {
    expect(bearerTokenOf('Bearer abc.def-ghi_~+/=')).toBe('abc.def-ghi_~+/=')
    expect(bearerTokenOf('bearer abc')).toBe('abc')
    expect(bearerTokenOf(undefined)).toBeUndefined()
    expect(bearerTokenOf('Basic dXNlcjpwYXNz')).toBeUndefined()
    for (const bad of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a"b']) expect(() => bearerTokenOf(bad)).toThrow(AccessTokenError)
    expect(() => bearerTokenOf(['Bearer a', 'Bearer b'])).toThrow('Several Authorization headers')
  })
})
