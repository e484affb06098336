/**
 * Cross-tenant isolation: with an org-A token, every org-B resource answers exactly like an id
 * that does not exist, lists never show org-B data, and org B is left untouched.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

const TENANT_SCOPES = ['agents:read', 'agents:write', 'tokens:read', 'audit:read']

describe.each(TARGETS)('tenant isolation on $name', (target) => {
  let server: Running
  let A: Awaited<ReturnType<typeof provisionTenant>>
  let B: Awaited<ReturnType<typeof provisionTenant>>
  let tokenA: string
  let tokenB: string
  let http: ReturnType<typeof api>

  beforeAll(async () => {
    server = await startOn(target)
    http = api(server.url)
    const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    A = await provisionTenant(server.url, admin, 'tenant-a', TENANT_SCOPES)
    B = await provisionTenant(server.url, admin, 'tenant-b', TENANT_SCOPES)
    tokenA = await http.token(A.clientId, A.clientSecret)
    tokenB = await http.token(B.clientId, B.clientSecret)
  })
  afterAll(async () => {
    await server.close()
  })

  const ghost = randomUUID()
  const cases: [string, string, (ids: { agent: string; cred: string; org: string }) => string, (() => unknown)?][] = [
    ['GET', 'agent', (i) => `/api/v1/agents/${i.agent}`],
    ['PATCH', 'agent', (i) => `/api/v1/agents/${i.agent}`, () => ({ status: 'suspended' })],
    ['DELETE', 'agent', (i) => `/api/v1/agents/${i.agent}`],
    ['GET', 'credentials', (i) => `/api/v1/agents/${i.agent}/credentials`],
    ['POST', 'credentials', (i) => `/api/v1/agents/${i.agent}/credentials`, () => ({})],
    ['POST', 'rotate', (i) => `/api/v1/agents/${i.agent}/credentials/${i.cred}/rotate`],
    ['DELETE', 'credential', (i) => `/api/v1/agents/${i.agent}/credentials/${i.cred}`],
    ['GET', 'organization', (i) => `/api/v1/organizations/${i.org}`],
    ['GET', 'members', (i) => `/api/v1/organizations/${i.org}/members`],
    ['PATCH', 'organization', (i) => `/api/v1/organizations/${i.org}`, () => ({ name: 'pwned' })],
    ['DELETE', 'organization', (i) => `/api/v1/organizations/${i.org}`],
    ['POST', 'members', (i) => `/api/v1/organizations/${i.org}/members`, () => ({ agentId: A.agentId })],
    ['DELETE', 'member', (i) => `/api/v1/organizations/${i.org}/members/${i.agent}`],
  ]

  it.each(cases)('%s %s of org B answers like a missing id', async (method, _what, path, body) => {
    const real = await http.call(method, path({ agent: B.agentId, cred: B.credentialId, org: B.organizationId }), tokenA, body?.())
    const missing = await http.call(method, path({ agent: ghost, cred: ghost, org: ghost }), tokenA, body?.())
    expect([403, 404]).toContain(real.status)
    expect(real.status).toBe(missing.status)
    expect(real.body?.['code']).toBe(missing.body?.['code'])
    if (method === 'GET') expect(real.status).toBe(404)
  })

  it("org A's own agent cannot reach org B's credential through its own path", async () => {
    const res = await http.call('POST', `/api/v1/agents/${A.agentId}/credentials/${B.credentialId}/rotate`, tokenA)
    expect(res.status).toBe(404)
  })

  it('lists show only the caller organization, whatever the query says', async () => {
    const agents = await http.call('GET', `/api/v1/agents?organizationId=${B.organizationId}&limit=100`, tokenA)
    const items = agents.body?.['items'] as { organizationId: string }[]
    expect(items.length).toBeGreaterThan(0)
    expect(items.every((a) => a.organizationId === A.organizationId)).toBe(true)
    const audit = await http.call('GET', '/api/v1/audit?limit=100', tokenA)
    const events = audit.body?.['items'] as { organizationId: string }[]
    expect(events.length).toBeGreaterThan(0)
    expect(events.every((e) => e.organizationId === A.organizationId)).toBe(true)
    const orgs = await http.call('GET', '/api/v1/organizations', tokenA)
    expect(orgs.status).toBe(403)
  })

  it('organizationId in a registration body is ignored for tenants', async () => {
    const res = await http.call('POST', '/api/v1/agents', tokenA, {
      organizationId: B.organizationId,
      name: 'smuggled',
      agentType: 'custom',
      version: '0.1.0',
      capabilities: [],
      owner: 'a',
      deploymentEnv: 'development',
    })
    expect(res.status).toBe(201)
    expect(res.body?.['organizationId']).toBe(A.organizationId)
  })

  it("org B's tokens can neither be introspected nor revoked by org A", async () => {
    const intro = await http.form('/oauth2/introspect', { token: tokenB }, { id: A.clientId, secret: A.clientSecret })
    expect(intro.body).toEqual({ active: false })
    const rev = await http.form('/oauth2/revoke', { token: tokenB }, { id: A.clientId, secret: A.clientSecret })
    expect(rev.status).toBe(200)
  })

  it('org B is untouched after everything above', async () => {
    const self = await http.call('GET', `/api/v1/agents/${B.agentId}`, tokenB)
    expect(self.status).toBe(200)
    expect(self.body).toMatchObject({ status: 'active', name: 'tenant-b-agent' })
    const creds = await http.call('GET', `/api/v1/agents/${B.agentId}/credentials`, tokenB)
    expect(creds.body?.['items']).toEqual([expect.objectContaining({ credentialId: B.credentialId, status: 'active' })])
    const audit = await http.call('GET', '/api/v1/audit?limit=100', tokenB)
    const actions = (audit.body?.['items'] as { action: string; actor: string }[]).filter((e) => e.actor === A.agentId)
    expect(actions).toEqual([])
    expect(await http.token(B.clientId, B.clientSecret)).toMatch(/^ey/)
  })
})
