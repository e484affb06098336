import { describe, expect, it } from 'vitest'
import type { AccessTokenClaims } from '../context.js'
import { MAX_ENTRIES, cachedClaims, rememberClaims } from './verified-token-cache.js'

// The memo belongs to one IdP (its `Deps.state`); each test uses its own.
const memo = new WeakMap<object, Map<string, AccessTokenClaims>>()

const claims = (exp: number, extra: Record<string, unknown> = {}) =>
  ({ sub: 'a', jti: 'j', client_id: 'c', scope: 'agents:read', organization_id: 'o', credential_id: 'k', credential_generation: 1, iat: exp - 60, exp, ...extra }) as unknown as AccessTokenClaims

describe('verified token memo', () => {
  const now = new Date('2026-06-01T00:00:00Z')
  const sec = now.getTime() / 1000

  it('answers only for the same key set and token, with a copy', () => {
    const keys = {}
    rememberClaims(memo, keys, 't1', claims(sec + 60))
    const hit = cachedClaims(memo, keys, 't1', now)
    expect(hit?.sub).toBe('a')
    if (hit !== undefined) hit.sub = 'mutated'
    expect(cachedClaims(memo, keys, 't1', now)?.sub).toBe('a')
    expect(cachedClaims(memo, {}, 't1', now)).toBeUndefined()
    expect(cachedClaims(memo, keys, 't2', now)).toBeUndefined()
  })

  it('stops answering once the token expires or before nbf', () => {
    const keys = {}
    rememberClaims(memo, keys, 'exp', claims(sec + 1))
    expect(cachedClaims(memo, keys, 'exp', now)).toBeDefined()
    expect(cachedClaims(memo, keys, 'exp', new Date(now.getTime() + 1000))).toBeUndefined()
    rememberClaims(memo, keys, 'nbf', claims(sec + 60, { nbf: sec + 10 }))
    expect(cachedClaims(memo, keys, 'nbf', now)).toBeUndefined()
  })

  it('is bounded: the oldest entry goes first', () => {
    const keys = {}
    for (let i = 0; i <= MAX_ENTRIES; i++) rememberClaims(memo, keys, `t${i}`, claims(sec + 60))
    expect(cachedClaims(memo, keys, 't0', now)).toBeUndefined()
    expect(cachedClaims(memo, keys, 't1', now)).toBeDefined()
    expect(cachedClaims(memo, keys, `t${MAX_ENTRIES}`, now)).toBeDefined()
  })
})
