/**
 * The JWKS key source with an injected transport and clock: Cache-Control freshness (clamped),
 * one refetch per unknown kid within the cooldown, bounded use of the last good keys while the
 * issuer is unreachable, discovery, and refusal of anything that is not a public signing key.
 * The default transport (safe-fetch) refuses loopback and private addresses.
 */
import { createSafeFetch } from '@sentryagent/safe-fetch'
import { describe, expect, it } from 'vitest'
import { cacheControlMaxAge, createKeySource, KeysUnavailableError, usableKeys, type Transport } from '../src/keys.js'

const ISSUER = 'https://issuer.example'
const JWKS = 'https://issuer.example/jwks'
const key = (kid: string) => ({ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid })

function fakeIssuer() {
  const state = { keys: [key('k1')], cacheControl: 'max-age=300' as string | undefined, down: false, calls: [] as string[] }
  const transport: Transport = {
    async fetch(url) {
      state.calls.push(url)
      if (state.down) throw new Error('ECONNREFUSED')
      if (url === `${ISSUER}/.well-known/openid-configuration`) return { status: 200, headers: {}, text: () => JSON.stringify({ issuer: ISSUER, jwks_uri: JWKS }) }
      if (url === JWKS) return { status: 200, headers: state.cacheControl === undefined ? {} : { 'cache-control': state.cacheControl }, text: () => JSON.stringify({ keys: state.keys }) }
      return { status: 404, headers: {}, text: () => '' }
    },
  }
  let now = Date.parse('2026-01-01T00:00:00Z')
  const clock = { advance: (s: number) => (now += s * 1000), now: () => new Date(now) }
  return { state, transport, clock }
}

describe('key source', () => {
  it('reads jwks_uri from discovery and caches keys for max-age', async () => {
    const { state, transport, clock } = fakeIssuer()
    const source = createKeySource({ transport, clock: clock.now })
    expect((await source.keys(ISSUER, undefined, 'k1')).map((k) => k.kid)).toStrictEqual(['k1'])
    expect(state.calls).toStrictEqual([`${ISSUER}/.well-known/openid-configuration`, JWKS])
    clock.advance(299)
    await source.keys(ISSUER, undefined, 'k1')
    expect(state.calls.filter((u) => u === JWKS)).toHaveLength(1)
    clock.advance(2)
    await source.keys(ISSUER, undefined, 'k1')
    expect(state.calls.filter((u) => u === JWKS)).toHaveLength(2)
  })

  it('clamps Cache-Control: no-store is cached for the minimum, huge max-age for the maximum', async () => {
    expect(cacheControlMaxAge('public, max-age=120')).toBe(120)
    expect(cacheControlMaxAge('no-store')).toBe(0)
    expect(cacheControlMaxAge('s-maxage=10, max-age=99')).toBe(10)
    expect(cacheControlMaxAge(null)).toBeUndefined()
    expect(cacheControlMaxAge('max-age=abc')).toBeUndefined()
    const { state, transport, clock } = fakeIssuer()
    state.cacheControl = 'no-store'
    const source = createKeySource({ transport, clock: clock.now })
    await source.keys(ISSUER, JWKS, 'k1')
    clock.advance(59)
    await source.keys(ISSUER, JWKS, 'k1')
    expect(state.calls).toHaveLength(1)
    clock.advance(2)
    await source.keys(ISSUER, JWKS, 'k1')
    expect(state.calls).toHaveLength(2)
  })

  it('refetches once for an unknown kid, then not again within the cooldown', async () => {
    const { state, transport, clock } = fakeIssuer()
    const source = createKeySource({ transport, clock: clock.now, unknownKidCooldownSeconds: 30 })
    await source.keys(ISSUER, JWKS, 'k1')
    state.keys = [key('k1'), key('k2')]
    expect((await source.keys(ISSUER, JWKS, 'k2')).map((k) => k.kid)).toContain('k2')
    expect(state.calls).toHaveLength(2)
    // The k2 refetch started the cooldown: unknown kids within it fetch nothing.
    for (const kid of ['x', 'y', 'z']) await source.keys(ISSUER, JWKS, kid)
    expect(state.calls).toHaveLength(2)
    clock.advance(31)
    await source.keys(ISSUER, JWKS, 'w')
    expect(state.calls).toHaveLength(3)
  })

  it('serves the last good keys while the issuer is down, for a bounded time only', async () => {
    const { state, transport, clock } = fakeIssuer()
    const source = createKeySource({ transport, clock: clock.now, staleIfErrorSeconds: 600 })
    await source.keys(ISSUER, JWKS, 'k1')
    state.down = true
    clock.advance(300 + 599)
    expect((await source.keys(ISSUER, JWKS, 'k1')).map((k) => k.kid)).toStrictEqual(['k1'])
    clock.advance(2)
    await expect(source.keys(ISSUER, JWKS, 'k1')).rejects.toBeInstanceOf(KeysUnavailableError)
    // Never fetched, never served.
    await expect(createKeySource({ transport, clock: clock.now }).keys(ISSUER, JWKS, 'k1')).rejects.toBeInstanceOf(KeysUnavailableError)
  })

  it('refuses discovery documents of another issuer, non-https URLs and JWKS without public signing keys', async () => {
    const { transport, clock } = fakeIssuer()
    const liar: Transport = { fetch: async () => ({ status: 200, headers: {}, text: () => JSON.stringify({ issuer: 'https://evil.example', jwks_uri: JWKS }) }) }
    await expect(createKeySource({ transport: liar, clock: clock.now }).keys(ISSUER, undefined, undefined)).rejects.toBeInstanceOf(KeysUnavailableError)
    await expect(createKeySource({ transport, clock: clock.now }).keys('http://issuer.example', undefined, undefined)).rejects.toBeInstanceOf(KeysUnavailableError)
    expect(usableKeys({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }, { ...key('priv'), d: 'x' }, { ...key('enc'), use: 'enc' }, { ...key('x509'), use: 'x509-svid' }, { ...key('svid'), use: 'jwt-svid' }, key('ok'), 'junk'] }).map((k) => k.kid)).toStrictEqual(['svid', 'ok'])
    expect(usableKeys('nope')).toStrictEqual([])
  })

  it('with the default SSRF-safe transport, refuses loopback and private addresses', async () => {
    const transport = createSafeFetch()
    try {
      const source = createKeySource({ transport, clock: () => new Date() })
      await expect(source.probe('https://127.0.0.1:9/jwks')).rejects.toBeInstanceOf(KeysUnavailableError)
      await expect(source.probe('https://169.254.169.254/latest/meta-data')).rejects.toBeInstanceOf(KeysUnavailableError)
      await expect(source.probe('https://10.0.0.1/jwks')).rejects.toBeInstanceOf(KeysUnavailableError)
    } finally {
      await transport.close()
    }
  })
})
