import { createIdp, IdpError, type HealthReport, type Idp } from '@sentryagent/core'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sentryAgentIdp } from '../src/index.js'
import { basic, form, setup, type Fixture } from './helpers.js'

let f: Fixture
beforeAll(async () => {
  f = await setup()
})
afterAll(async () => f.close())

describe('discovery and health', () => {
  it('serves discovery metadata at both well-known paths, and the JWKS', async () => {
    for (const url of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const res = await f.app.inject({ method: 'GET', url })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ issuer: 'http://localhost', token_endpoint: expect.any(String) })
    }
    const jwks = await f.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    expect(jwks.statusCode).toBe(200)
    expect(jwks.json().keys.length).toBeGreaterThan(0)
    expect(jwks.json().keys[0]).not.toHaveProperty('d')
  })

  it('GET /health → { status: "ok" }', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })

  it.each([
    ['healthy', 200],
    ['degraded', 207],
    ['unreachable', 503],
  ] as const)('GET /health/detailed with a %s dependency → %i', async (state, status) => {
    const report: HealthReport = {
      status: state,
      dependencies: {
        database: { status: 'healthy', latencyMs: 1 },
        cache: { status: state, latencyMs: 2 },
        keyStore: { status: 'healthy', latencyMs: 3 },
      },
    }
    const idp: Idp = { ...f.idp, health: async () => report }
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp, openapi: false, metrics: false })
    const res = await app.inject({ method: 'GET', url: '/health/detailed' })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual(report)
    await app.close()
  })
})

describe('OpenAPI and docs', () => {
  it('GET /openapi.json is OpenAPI 3.1 with every path and a bearer scheme', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc.openapi).toMatch(/^3\.1\./)
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    for (const path of [
      '/api/v1/organizations',
      '/api/v1/organizations/{organizationId}',
      '/api/v1/organizations/{organizationId}/members',
      '/api/v1/organizations/{organizationId}/members/{agentId}',
      '/api/v1/agents',
      '/api/v1/agents/{agentId}',
      '/api/v1/agents/{agentId}/credentials',
      '/api/v1/agents/{agentId}/credentials/{credentialId}/rotate',
      '/api/v1/agents/{agentId}/credentials/{credentialId}',
      '/api/v1/audit',
      '/api/v1/audit/verify',
      '/oauth2/token',
      '/api/v1/token',
      '/oauth2/introspect',
      '/oauth2/revoke',
      '/.well-known/jwks.json',
      '/agent-info',
      '/health',
    ]) {
      expect(doc.paths, path).toHaveProperty([path])
    }
    expect(doc.paths['/api/v1/agents'].post.security).toEqual([{ bearerAuth: [] }])
    expect(doc.paths['/health'].get.security).toBeUndefined()
    expect(doc.paths['/oauth2/token'].post.requestBody.content).toHaveProperty(['application/x-www-form-urlencoded'])
    expect(doc.components.schemas).toHaveProperty('Agent')
    expect(doc.paths).not.toHaveProperty(['/openapi.json'])
    expect(doc.paths['/api/v1/agents'].post.responses['4XX'].content).toHaveProperty(['application/problem+json'])
  })

  it('GET /docs serves the UI without a token', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/docs' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
  })
})

describe('metrics', () => {
  it('exposes agentidp_ HTTP, token and auth-failure metrics', async () => {
    // auth.failed is committed just after the response (uniform failure latency).
    const audited = new Promise((resolve) => f.idp.on('auth.failed', resolve))
    await f.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('admin', 'z'.repeat(43)) },
      payload: form({ grant_type: 'client_credentials' }),
    })
    await f.app.inject({ method: 'GET', url: '/health' })
    await audited
    const res = await f.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    const text = res.body
    expect(text).toMatch(/agentidp_http_requests_total\{route="\/health",method="GET",status="200"\} \d+/)
    expect(text).toContain('agentidp_http_request_duration_seconds_bucket')
    expect(text).toMatch(/agentidp_tokens_issued_total\{grant="[^"]+",outcome="success"\} [1-9]/)
    expect(text).toMatch(/agentidp_auth_failures_total\{reason="[^"]+"\} [1-9]/)
  })

  it('reports each dependency as up or down on every scrape', async () => {
    const report = (database: 'healthy' | 'unreachable'): HealthReport => ({
      status: database,
      dependencies: { database: { status: database, latencyMs: 1500 }, cache: { status: 'healthy', latencyMs: 2 }, keyStore: { status: 'healthy', latencyMs: 3 } },
    })
    let current = report('healthy')
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp: { ...f.idp, health: async () => current }, openapi: false })
    const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body
    expect(await scrape()).toContain('agentidp_dependency_up{dependency="database"} 1')
    current = report('unreachable')
    const text = await scrape()
    expect(text).toContain('agentidp_dependency_up{dependency="database"} 0')
    expect(text).toContain('agentidp_dependency_up{dependency="cache"} 1')
    expect(text).toContain('agentidp_dependency_latency_seconds{dependency="database"} 1.5')
    await app.close()
  })

  it('counts audit-chain verifications by result', async () => {
    let verified = true
    const idp: Idp = { ...f.idp, audit: { ...f.idp.audit, verify: async (ctx, q) => ({ ...(await f.idp.audit.verify(ctx, q)), verified }) } }
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp, openapi: false })
    const verify = () => app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: { authorization: `Bearer ${f.adminToken}` } })
    expect((await verify()).statusCode).toBe(200)
    verified = false
    expect((await verify()).json()).toMatchObject({ verified: false })
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
    expect(text).toContain('agentidp_audit_verifications_total{result="verified"} 1')
    expect(text).toContain('agentidp_audit_verifications_total{result="broken"} 1')
    await app.close()
  })

  it('keeps a registry per plugin instance', async () => {
    const second = await setup()
    const res = await second.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.body).not.toMatch(/route="\/health"/)
    await second.close()
  })
})

describe('binding behaviour', () => {
  it('renders 5xx without internals', async () => {
    const idp: Idp = {
      ...f.idp,
      agents: { ...f.idp.agents, list: async () => Promise.reject(new Error('connect ECONNREFUSED password=hunter2')) },
    }
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp, openapi: false, metrics: false })
    const res = await app.inject({ method: 'GET', url: '/api/v1/agents', headers: { authorization: `Bearer ${f.adminToken}` } })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toMatchObject({ code: 'INTERNAL', detail: 'Internal server error' })
    expect(res.body).not.toContain('hunter2')
    await app.close()
  })

  it('passes Retry-After from the error', async () => {
    const limited = new IdpError('RATE_LIMITED', 'Slow down', { retryAfterSeconds: 7 })
    const idp: Idp = { ...f.idp, oauth: { ...f.idp.oauth, token: async () => Promise.reject(limited) } }
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp, openapi: false, metrics: false })
    const res = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    })
    expect(res.statusCode).toBe(429)
    expect(res.headers['retry-after']).toBe('7')
    expect(res.json()).toEqual({ error: 'invalid_request', error_description: 'Slow down' })
    await app.close()
  })

  it('protects host routes by default and sets request.ctx; config.public opts out', async () => {
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp: f.idp, prefix: '/v2', openapi: false, metrics: false })
    app.get('/whoami', async (req) => ({ agentId: req.ctx?.auth.agentId ?? null }))
    app.get('/open', { config: { public: true } }, async (req) => ({ ctx: req.ctx }))
    expect((await app.inject({ method: 'GET', url: '/whoami' })).statusCode).toBe(401)
    const me = await app.inject({ method: 'GET', url: '/whoami', headers: { authorization: `Bearer ${f.adminToken}` } })
    expect(me.json().agentId).toEqual(expect.any(String))
    expect((await app.inject({ method: 'GET', url: '/open' })).json()).toEqual({ ctx: null })
    expect((await app.inject({ method: 'GET', url: '/v2/agents', headers: { authorization: `Bearer ${f.adminToken}` } })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404)
    await app.close()
  })

  it('rejects invalid options at registration with CONFIG_INVALID', async () => {
    const app = Fastify()
    const bad = { idp: {} as Idp, prefix: 'no-slash', bodyLimitBytes: -1 }
    await expect(app.register(sentryAgentIdp, bad).ready()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/idp.*prefix.*bodyLimitBytes/),
    })
  })

  it('honours bodyLimitBytes', async () => {
    const idp = createIdp({ issuer: 'http://localhost' })
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp, bodyLimitBytes: 64, openapi: false, metrics: false })
    const res = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&pad=${'a'.repeat(100)}`,
    })
    expect(res.statusCode).toBe(413)
    expect(res.json().error).toBe('invalid_request')
    await app.close()
    await idp.close()
  })
})
