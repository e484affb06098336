/**
 * The billing plugin over HTTP (PGlite, and PostgreSQL when reachable): the plan table, the agent
 * cap moved out of core (403 without Retry-After), status and usage of the caller's organization
 * only, scopes, enforcement off, and the plugin's absence (routes 404, no cap, no scopes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'
import { agentBody, billingEntry } from './billing-fixtures.js'

describe.each(TARGETS)('billing plugin on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let admin: string

  beforeAll(async () => {
    server = await startOn(target, { PLUGINS: 'billing', RATE_LIMIT_REST_POINTS: '100000' }, { knownPlugins: billingEntry() })
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
  })
  afterAll(async () => {
    await server.close()
  })

  it('serves the plan table publicly and advertises its scopes', async () => {
    const tiers = await http.call('GET', '/api/v1/tiers')
    expect(tiers.status).toBe(200)
    expect(tiers.body).toEqual({
      items: [
        { tier: 'free', limits: { maxAgents: 10, apiCallsPerDay: 1000, tokensPerDay: 1000 } },
        { tier: 'pro', limits: { maxAgents: 100, apiCallsPerDay: 50000, tokensPerDay: 50000 } },
        { tier: 'enterprise', limits: { maxAgents: null, apiCallsPerDay: null, tokensPerDay: null } },
      ],
    })
    const discovery = await http.call('GET', '/.well-known/oauth-authorization-server')
    expect(discovery.body?.['scopes_supported']).toEqual(expect.arrayContaining(['billing:read', 'billing:write']))
  })

  it('caps agents per plan with 403 AGENT_LIMIT_REACHED, without Retry-After or RateLimit-*; a downgrade keeps existing agents', async () => {
    const org = await http.call('POST', '/api/v1/organizations', admin, { name: 'Capped', slug: `capped-${target.name}`, planTier: 'pro' })
    const organizationId = String(org.body?.['organizationId'])
    for (let i = 0; i < 11; i++) expect((await http.call('POST', '/api/v1/agents', admin, agentBody(`capped-${i}`, organizationId))).status).toBe(201)
    // Downgrade to free (10 agents): the eleven keep working, a twelfth is refused.
    expect((await http.call('PATCH', `/api/v1/organizations/${organizationId}`, admin, { planTier: 'free' })).status).toBe(200)
    const full = await http.call('POST', '/api/v1/agents', admin, agentBody('one-too-many', organizationId))
    expect(full.status).toBe(403)
    expect(full.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(full.body).toMatchObject({ code: 'AGENT_LIMIT_REACHED', status: 403 })
    for (const header of ['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) expect(full.headers.get(header)).toBeNull()
    const list = await http.call('GET', `/api/v1/agents?limit=100&organizationId=${organizationId}`, admin)
    expect((list.body?.['items'] as unknown[]).length).toBe(11)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/agentidp_billing_limit_rejections_total\{limit="agents",tier="free"\} 1\b/)
    expect(metrics).toMatch(/agentidp_billing_api_calls_total\{tier="enterprise"\} [1-9]/)
  })

  it("GET /tiers/status and /billing/usage answer for the caller's organization only, with billing:read", async () => {
    const a = await provisionTenant(server.url, admin, `bill-a-${target.name}`, ['agents:read', 'billing:read'])
    const b = await provisionTenant(server.url, admin, `bill-b-${target.name}`, ['agents:read'])
    const tokenA = await http.token(a.clientId, a.clientSecret)
    await http.call('GET', '/api/v1/agents', tokenA)
    const status = await http.call('GET', '/api/v1/tiers/status', tokenA)
    expect(status.status).toBe(200)
    expect(status.body).toMatchObject({ tier: 'free', limits: { maxAgents: 10 }, usage: { agents: 1, tokensToday: 1 }, enforcement: true })
    expect((status.body?.['usage'] as { apiCallsToday: number }).apiCallsToday).toBeGreaterThanOrEqual(1)
    // B has no billing:read.
    const tokenB = await http.token(b.clientId, b.clientSecret)
    expect((await http.call('GET', '/api/v1/tiers/status', tokenB)).status).toBe(403)
    expect((await http.call('GET', '/api/v1/billing/usage', tokenB)).status).toBe(403)
    // Unknown query fields and malformed days are 400, never 5xx.
    expect((await http.call('GET', '/api/v1/billing/usage?organizationId=x', tokenA)).status).toBe(400)
    expect((await http.call('GET', '/api/v1/billing/usage?from=2026-02-30', tokenA)).status).toBe(400)
    expect((await http.call('GET', '/api/v1/billing/usage?from=2026-03-02&to=2026-03-01', tokenA)).status).toBe(400)
    expect((await http.call('GET', '/api/v1/billing/usage?from=2020-01-01&to=2026-03-01', tokenA)).status).toBe(400)
    // Stripe is not configured: checkout answers 503 BILLING_NOT_CONFIGURED (after the scope check).
    expect((await http.call('POST', '/api/v1/tiers/upgrade', tokenA, { targetTier: 'pro' })).status).toBe(403)
    const adminCheckout = await http.call('POST', '/api/v1/tiers/upgrade', admin, { targetTier: 'pro' })
    expect(adminCheckout.body).toMatchObject({ code: 'BILLING_NOT_CONFIGURED', status: 503 })
    expect((await http.call('POST', '/api/v1/tiers/upgrade', admin, { targetTier: 'free' })).status).toBe(400)
  })
})

describe.each(TARGETS)('without the billing plugin on $name', (target) => {
  let server: Running
  beforeAll(async () => {
    server = await startOn(target, { PLUGINS: 'none' })
  })
  afterAll(async () => {
    await server.close()
  })

  it('answers 404 on its routes and advertises none of its scopes', async () => {
    const http = api(server.url)
    const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    for (const [method, path] of [['GET', '/api/v1/tiers'], ['GET', '/api/v1/tiers/status'], ['GET', '/api/v1/billing/usage'], ['POST', '/api/v1/billing/webhook']] as const) {
      expect((await http.call(method, path, admin)).status).toBe(404)
    }
    const discovery = await http.call('GET', '/.well-known/oauth-authorization-server')
    expect(discovery.body?.['scopes_supported']).not.toContain('billing:read')
  })
})
