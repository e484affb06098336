/**
 * The HTTP edge's limits (issue 10, findings 3, 5 and 16): bounded OAuth bodies and client ids,
 * limiter keys that hold no request input, failures counted per (client id, address), and per-address
 * limits on every unauthenticated or signature-checking path.
 */
import { createMemoryRateLimiter, type RateLimiterFactory } from '@sentryagent/core'
import { describe, expect, it } from 'vitest'
import type { RateLimitOptions } from '../src/index.js'
import { ADMIN_ID, ADMIN_SECRET, agentBody, basic, form, setup } from './helpers.js'

/** Real in-process limiters that also record every key they were asked about, per policy. */
function recordingLimiters() {
  const keys = new Map<string, Set<string>>()
  const createLimiter: RateLimiterFactory = (policy) => {
    const inner = createMemoryRateLimiter(policy)
    const seen = new Set<string>()
    keys.set(policy.name, seen)
    return {
      policy: inner.policy,
      consume: (key, points) => (seen.add(key), inner.consume(key, points)),
      peek: (key) => (seen.add(key), inner.peek(key)),
      reset: (key) => inner.reset(key),
    }
  }
  const all = () => [...keys.values()].flatMap((s) => [...s])
  /** `policy:key` of every key asked about so far. */
  const snapshot = () => new Set([...keys.entries()].flatMap(([policy, s]) => [...s].map((k) => `${policy} ${k}`)))
  return { createLimiter, keys, all, snapshot }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const OAUTH_PATHS = ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke'] as const

describe('OAuth bodies and claimed client ids (finding 3)', () => {
  it('refuses oversized or malformed client ids before any limiter sees them', async () => {
    const rec = recordingLimiters()
    const f = await setup({ rateLimit: { createLimiter: rec.createLimiter }, openapi: false })
    try {
      // setup() obtained the administrator's token: its keys are there already.
      const before = rec.snapshot()
      // (A form body cannot carry a lone surrogate: undecodable escapes stay literal. See limit-keys.test.ts.)
      const bad = ['a'.repeat(256), 'x'.repeat(60_000), 'ab\u0000c', 'a\nb', 'bell\u0007', 'c1\u0085', 'del\u007f']
      for (const url of OAUTH_PATHS) {
        for (const id of bad) {
          const inBody = await f.app.inject({ method: 'POST', url, headers: FORM, payload: form({ grant_type: 'client_credentials', token: 'x', client_id: id, client_secret: 's' }) })
          expect(inBody.statusCode, `${url} body ${id.length}`).toBe(400)
          expect(inBody.json()).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('255') })
          const inBasic = await f.app.inject({
            method: 'POST',
            url,
            headers: { ...FORM, authorization: basic(id.slice(0, 10_000), 's') },
            payload: form({ grant_type: 'client_credentials', token: 'x' }),
          })
          // Malformed Basic credentials are a failed authentication, as in core.
          expect(inBasic.statusCode, `${url} basic ${id.length}`).toBe(401)
          expect(inBasic.json()).toMatchObject({ error: 'invalid_client' })
        }
      }
      // Only the per-address keys of this address were added, and no key holds what the caller sent.
      const added = [...rec.snapshot()].filter((k) => !before.has(k)).sort()
      expect(added).toEqual([expect.stringMatching(/^introspect-ip ip:[A-Za-z0-9_-]{22}$/), expect.stringMatching(/^revoke-ip ip:[A-Za-z0-9_-]{22}$/)])
      for (const key of rec.all()) expect(key.length).toBeLessThanOrEqual(40)

      // A 255-character id is acceptable: an ordinary failure, counted under a bounded key.
      const longest = await f.app.inject({ method: 'POST', url: '/oauth2/token', headers: { ...FORM, authorization: basic('b'.repeat(255), 's') }, payload: form({ grant_type: 'client_credentials' }) })
      expect(longest.statusCode).toBe(401)
      expect([...rec.snapshot()].filter((k) => !before.has(k) && k.startsWith('auth-failures'))).toEqual([expect.stringMatching(/^auth-failures client-ip:[A-Za-z0-9_-]{22}$/)])
    } finally {
      await f.close()
    }
  })

  it('answers 413 invalid_request to an OAuth body over 64 KiB and reads one of exactly 64 KiB', async () => {
    const f = await setup({ openapi: false })
    try {
      const body = (size: number) => {
        const head = 'grant_type=client_credentials&token=x&pad='
        return head + 'a'.repeat(size - head.length)
      }
      for (const url of OAUTH_PATHS) {
        const over = await f.app.inject({ method: 'POST', url, headers: FORM, payload: body(65_537) })
        expect(over.statusCode, url).toBe(413)
        expect(over.headers['content-type']).toMatch(/^application\/json/)
        expect(over.json()).toMatchObject({ error: 'invalid_request' })
        const fits = await f.app.inject({ method: 'POST', url, headers: FORM, payload: body(65_536) })
        expect(fits.statusCode, url).toBe(401) // parsed; no client authentication given
      }
      // The REST API keeps its own 1 MiB limit.
      const rest = await f.app.inject({
        method: 'POST',
        url: '/api/v1/agents',
        headers: { authorization: `Bearer ${f.adminToken}` },
        payload: agentBody({ description: 'd'.repeat(100) }),
      })
      expect(rest.statusCode).toBe(201)
    } finally {
      await f.close()
    }
  })

  it('limits introspection and revocation per address, with RateLimit headers and an OAuth 429', async () => {
    const f = await setup({ rateLimit: { introspectPerIp: { points: 2, durationSeconds: 60 }, revokePerIp: { points: 2, durationSeconds: 60 } }, openapi: false })
    try {
      for (const url of ['/oauth2/introspect', '/oauth2/revoke']) {
        const call = (remoteAddress: string) =>
          f.app.inject({ method: 'POST', url, remoteAddress, headers: { ...FORM, authorization: basic(ADMIN_ID, ADMIN_SECRET) }, payload: form({ token: 'not-a-token' }) })
        const ok = [await call('10.0.0.1'), await call('10.0.0.1')]
        expect(ok.map((r) => r.statusCode)).toEqual([200, 200])
        expect(ok.map((r) => r.headers['ratelimit-remaining'])).toEqual(['1', '0'])
        const limited = await call('10.0.0.1')
        expect(limited.statusCode, url).toBe(429)
        expect(limited.json()).toEqual({ error: 'invalid_request', error_description: 'Rate limit exceeded for this address' })
        expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
        expect(limited.headers['ratelimit-limit']).toBe('2')
        expect((await call('10.0.0.2')).statusCode).toBe(200)
      }
    } finally {
      await f.close()
    }
  })
})

describe('failed client authentication counts per (client id, address) (finding 5)', () => {
  it('slows the attacker down and never the client with the right secret elsewhere', async () => {
    const f = await setup({ rateLimit: { authFailures: { points: 3, durationSeconds: 300 } }, openapi: false })
    try {
      const token = (remoteAddress: string, secret: string) =>
        f.app.inject({ method: 'POST', url: '/oauth2/token', remoteAddress, headers: { ...FORM, authorization: basic(ADMIN_ID, secret) }, payload: form({ grant_type: 'client_credentials' }) })
      for (let i = 0; i < 3; i++) expect((await token('127.0.0.2', 'wrong')).statusCode).toBe(401)
      // The attacker's address is slowed down, even when it guesses right.
      const attacker = await token('127.0.0.2', ADMIN_SECRET)
      expect(attacker.statusCode).toBe(429)
      expect(Number(attacker.headers['retry-after'])).toBeGreaterThan(1)
      // The client itself, from its own address, is served: for tokens and for introspection.
      expect((await token('127.0.0.1', ADMIN_SECRET)).statusCode).toBe(200)
      const introspect = await f.app.inject({
        method: 'POST',
        url: '/oauth2/introspect',
        remoteAddress: '127.0.0.1',
        headers: { ...FORM, authorization: basic(ADMIN_ID, ADMIN_SECRET) },
        payload: form({ token: f.adminToken }),
      })
      expect(introspect.statusCode).toBe(200)
      expect(introspect.json()).toMatchObject({ active: true })
    } finally {
      await f.close()
    }
  })
})

describe('public reads, /agent-info and rejected Bearer tokens are limited (finding 16)', () => {
  const limits = (over: RateLimitOptions) => ({ rateLimit: over, openapi: false })

  it('limits every public read per address: RateLimit headers, then 429 problem+json with Retry-After', async () => {
    const f = await setup(limits({ publicPerIp: { points: 2, durationSeconds: 60 } }))
    try {
      const agent = (await f.app.inject({ method: 'POST', url: '/api/v1/agents', headers: { authorization: `Bearer ${f.adminToken}` }, payload: agentBody() })).json<{ agentId: string }>()
      const urls = [
        '/api/v1/marketplace/agents',
        `/api/v1/marketplace/agents/${agent.agentId}`,
        `/agents/${agent.agentId}/did.json`,
        `/api/v1/agents/${agent.agentId}/did`,
        `/api/v1/agents/${agent.agentId}/did/resolve`,
        '/.well-known/did.json',
        '/api/v1/compliance/controls',
      ]
      for (const [i, url] of urls.entries()) {
        const remoteAddress = `10.9.0.${i + 1}`
        const served = [await f.app.inject({ method: 'GET', url, remoteAddress }), await f.app.inject({ method: 'GET', url, remoteAddress })]
        expect(served.map((r) => r.headers['ratelimit-remaining']), url).toEqual(['1', '0'])
        expect(served[0]?.statusCode, url).toBeLessThan(429)
        const limited = await f.app.inject({ method: 'GET', url, remoteAddress })
        expect(limited.statusCode, url).toBe(429)
        expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/)
        expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 })
        expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
        expect(limited.headers['ratelimit-limit']).toBe('2')
      }
      // Another address is unaffected; discovery and the JWKS are not limited.
      expect((await f.app.inject({ method: 'GET', url: '/api/v1/compliance/controls', remoteAddress: '10.9.1.1' })).statusCode).toBe(200)
      for (let i = 0; i < 3; i++) expect((await f.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress: '10.9.0.1' })).statusCode).toBe(200)
      const metrics = (await f.app.inject({ method: 'GET', url: '/metrics' })).body
      expect(metrics).toMatch(/agentidp_rate_limit_hits_total\{policy="public-ip"\} 7/)
    } finally {
      await f.close()
    }
  })

  it('lets shared caches keep /compliance/controls for a minute', async () => {
    const f = await setup({ openapi: false })
    try {
      const res = await f.app.inject({ method: 'GET', url: '/api/v1/compliance/controls' })
      expect(res.statusCode).toBe(200)
      expect(res.headers['cache-control']).toBe('public, max-age=60')
      expect(res.headers['ratelimit-limit']).toBe('120')
    } finally {
      await f.close()
    }
  })

  it('counts /agent-info against the client’s REST limit, with an OAuth-style 429', async () => {
    const f = await setup(limits({ rest: { points: 2, durationSeconds: 60 } }))
    try {
      const info = () => f.app.inject({ method: 'GET', url: '/agent-info', headers: { authorization: `Bearer ${f.adminToken}` } })
      const ok = [await info(), await info()]
      expect(ok.map((r) => r.statusCode)).toEqual([200, 200])
      expect(ok.map((r) => r.headers['ratelimit-remaining'])).toEqual(['1', '0'])
      const limited = await info()
      expect(limited.statusCode).toBe(429)
      expect(limited.json()).toEqual({ error: 'invalid_request', error_description: 'Rate limit exceeded for this client' })
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    } finally {
      await f.close()
    }
  })

  it('refuses an address that keeps presenting bad tokens before checking any signature', async () => {
    const f = await setup(limits({ bearerFailuresPerIp: { points: 3, durationSeconds: 60 } }))
    try {
      let verified = 0
      const authenticate = f.idp.authenticate.bind(f.idp)
      f.idp.authenticate = (token) => {
        verified++
        return authenticate(token)
      }
      const forged = `${f.adminToken.slice(0, -4)}AAAA`
      const get = (remoteAddress: string, token: string, url = '/api/v1/agents') =>
        f.app.inject({ method: 'GET', url, remoteAddress, headers: { authorization: `Bearer ${token}` } })
      for (let i = 0; i < 3; i++) expect((await get('10.7.0.1', forged)).statusCode).toBe(401)
      expect(verified).toBe(3)
      // From now on the address is refused without a verification, whatever token it presents.
      const limited = await get('10.7.0.1', forged)
      expect(limited.statusCode).toBe(429)
      expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' })
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(limited.headers['ratelimit-remaining']).toBe('0')
      expect((await get('10.7.0.1', f.adminToken, '/agent-info')).statusCode).toBe(429)
      expect(verified).toBe(3)
      // Other addresses, and requests without a token, are unaffected.
      expect((await get('10.7.0.2', f.adminToken)).statusCode).toBe(200)
      expect((await f.app.inject({ method: 'GET', url: '/api/v1/agents', remoteAddress: '10.7.0.1' })).statusCode).toBe(401)
    } finally {
      await f.close()
    }
  })

  it('rejects an invalid new limit at registration', async () => {
    await expect(setup(limits({ publicPerIp: { points: 0, durationSeconds: 60 } }))).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await expect(setup({ oauthBodyLimitBytes: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })
})
