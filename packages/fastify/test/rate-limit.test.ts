/** Rate limits, the admin key rotation route, and the operations metrics of the binding. */
import { describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, basic, form, setup } from './helpers.js'

const tokenRequest = (id: string, secret: string) => ({
  method: 'POST' as const,
  url: '/oauth2/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
  payload: form({ grant_type: 'client_credentials' }),
})

describe('rate limits', () => {
  it('limits authenticated REST calls per client: RateLimit-* headers, then 429 problem+json with Retry-After', async () => {
    const f = await setup({ rateLimit: { rest: { points: 3, durationSeconds: 60 } }, openapi: false })
    try {
      const get = () => f.app.inject({ method: 'GET', url: '/api/v1/agents', headers: { authorization: `Bearer ${f.adminToken}` } })
      const ok = [await get(), await get(), await get()]
      expect(ok.map((r) => r.statusCode)).toEqual([200, 200, 200])
      expect(ok.map((r) => r.headers['ratelimit-remaining'])).toEqual(['2', '1', '0'])
      expect(ok[0]?.headers['ratelimit-limit']).toBe('3')
      const limited = await get()
      expect(limited.statusCode).toBe(429)
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' })
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(limited.headers['ratelimit-remaining']).toBe('0')
      // Public routes are not limited.
      expect((await f.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
      const metrics = await f.app.inject({ method: 'GET', url: '/metrics' })
      expect(metrics.body).toMatch(/agentidp_rate_limit_hits_total\{policy="rest"\} 1/)
    } finally {
      await f.close()
    }
  })

  it('limits the token endpoint per client with an RFC 6749 JSON 429', async () => {
    const f = await setup({ rateLimit: { tokenPerClient: { points: 2, durationSeconds: 60 } }, openapi: false })
    try {
      // setup() already requested one token for the admin client.
      expect((await f.app.inject(tokenRequest(ADMIN_ID, ADMIN_SECRET))).statusCode).toBe(200)
      const limited = await f.app.inject(tokenRequest(ADMIN_ID, ADMIN_SECRET))
      expect(limited.statusCode).toBe(429)
      expect(limited.json()).toEqual({ error: 'invalid_request', error_description: 'Rate limit exceeded for this client' })
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(limited.headers['ratelimit-limit']).toBe('2')
    } finally {
      await f.close()
    }
  })

  it('limits the token endpoint per IP address across clients', async () => {
    const f = await setup({ rateLimit: { tokenPerIp: { points: 2, durationSeconds: 60 } }, openapi: false })
    try {
      expect((await f.app.inject(tokenRequest('someone-else', 'wrong'))).statusCode).toBe(401)
      const limited = await f.app.inject(tokenRequest(ADMIN_ID, ADMIN_SECRET))
      expect(limited.statusCode).toBe(429)
    } finally {
      await f.close()
    }
  })

  it('slows down a client id after repeated failed authentications, even with the right secret', async () => {
    const f = await setup({ rateLimit: { authFailures: { points: 3, durationSeconds: 300 } }, openapi: false })
    try {
      for (let i = 0; i < 3; i++) expect((await f.app.inject(tokenRequest(ADMIN_ID, 'wrong-secret'))).statusCode).toBe(401)
      const slowed = await f.app.inject(tokenRequest(ADMIN_ID, ADMIN_SECRET))
      expect(slowed.statusCode).toBe(429)
      expect(slowed.json()).toMatchObject({ error: 'invalid_request' })
      expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(1)
      // Introspection with the same client id is slowed down too; other clients are not.
      const introspect = await f.app.inject({
        method: 'POST',
        url: '/oauth2/introspect',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(ADMIN_ID, ADMIN_SECRET) },
        payload: form({ token: f.adminToken }),
      })
      expect(introspect.statusCode).toBe(429)
      expect((await f.app.inject(tokenRequest('other-client', 'x'))).statusCode).toBe(401)
      const metrics = await f.app.inject({ method: 'GET', url: '/metrics' })
      expect(metrics.body).toMatch(/agentidp_rate_limit_hits_total\{policy="auth-failures"\} 2/)
    } finally {
      await f.close()
    }
  })

  it('rejects invalid limits at registration', async () => {
    await expect(setup({ rateLimit: { rest: { points: 0, durationSeconds: 60 } } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })
})

describe('POST /api/v1/admin/keys/rotate', () => {
  it('rotates for a platform administrator, publishes the key, audits and counts it; 403 without admin:orgs', async () => {
    const f = await setup({ openapi: false })
    try {
      const res = await f.app.inject({ method: 'POST', url: '/api/v1/admin/keys/rotate', headers: { authorization: `Bearer ${f.adminToken}` } })
      expect(res.statusCode).toBe(200)
      const body = res.json<{ kid: string; alg: string; trigger: string }>()
      expect(body).toMatchObject({ alg: 'ES256', trigger: 'api' })
      const jwks = (await f.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: { kid: string }[] }>()
      expect(jwks.keys.map((k) => k.kid)).toContain(body.kid)
      expect(jwks.keys.length).toBe(2)
      // The old token still verifies.
      const audit = await f.app.inject({
        method: 'GET',
        url: '/api/v1/audit?action=signing_key.rotated',
        headers: { authorization: `Bearer ${f.adminToken}` },
      })
      expect(audit.statusCode).toBe(200)
      expect(audit.json<{ items: unknown[] }>().items).toHaveLength(1)
      const metrics = (await f.app.inject({ method: 'GET', url: '/metrics' })).body
      expect(metrics).toMatch(/agentidp_key_rotations_total\{trigger="api"\} 1/)
      expect(metrics).toMatch(/agentidp_audit_appends_total\{action="signing_key.rotated",outcome="success"\} 1/)
      expect(metrics).toMatch(/agentidp_audit_appends_total\{action="token.issued",outcome="success"\} 1/)

      const anonymous = await f.app.inject({ method: 'POST', url: '/api/v1/admin/keys/rotate' })
      expect(anonymous.statusCode).toBe(401)
    } finally {
      await f.close()
    }
  })
})
