/**
 * Marketplace, agent cards and compliance (issue 4). The public marketplace never shows private,
 * suspended or decommissioned agents, agents of a suspended organization, or any non-public field;
 * cards (AGNTCY, A2A, signed) and keys are tenant-scoped (other organizations' ids are 404);
 * the compliance report reflects DIDs, keys and the audit chain.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

const SCOPES = ['agents:read', 'agents:write', 'audit:read']

describe.each(TARGETS)('marketplace, cards and compliance on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let admin: string
  let A: Awaited<ReturnType<typeof provisionTenant>>
  let B: Awaited<ReturnType<typeof provisionTenant>>
  let tokenA: string
  let tokenB: string
  const ids: Record<string, string> = {}

  const register = async (token: string, name: string, extra: Record<string, unknown> = {}) => {
    const res = await http.call('POST', '/api/v1/agents', token, {
      name,
      email: `${name}@example.com`,
      agentType: 'extractor',
      version: '2.1.0',
      capabilities: ['invoices:read'],
      owner: 'market-team',
      deploymentEnv: 'production',
      description: `${name} agent`,
      ...extra,
    })
    expect(res.status).toBe(201)
    return String(res.body?.['agentId'])
  }

  beforeAll(async () => {
    server = await startOn(target)
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    A = await provisionTenant(server.url, admin, 'market-a', SCOPES)
    B = await provisionTenant(server.url, admin, 'market-b', SCOPES)
    tokenA = await http.token(A.clientId, A.clientSecret)
    tokenB = await http.token(B.clientId, B.clientSecret)
    ids['listed'] = await register(tokenA, 'listed-ocr', { isPublic: true, capabilities: ['invoices:read', 'ocr:run'] })
    ids['listed2'] = await register(tokenA, 'listed-mailer', { isPublic: true, capabilities: ['email:send'] })
    ids['private'] = await register(tokenA, 'private-ocr', { isPublic: false })
    ids['suspended'] = await register(tokenA, 'suspended-ocr', { isPublic: true })
    ids['decommissioned'] = await register(tokenA, 'gone-ocr', { isPublic: true })
    ids['bPublic'] = await register(tokenB, 'b-public-ocr', { isPublic: true })
    ids['bPrivate'] = await register(tokenB, 'b-private-ocr')
    expect((await http.call('PATCH', `/api/v1/agents/${ids['suspended']}`, tokenA, { status: 'suspended' })).status).toBe(200)
    expect((await http.call('DELETE', `/api/v1/agents/${ids['decommissioned']}`, tokenA)).status).toBe(204)
  })
  afterAll(async () => {
    await server.close()
  })

  const search = async (query = '') => {
    const res = await http.call('GET', `/api/v1/marketplace/agents${query}`)
    expect(res.status).toBe(200)
    return res.body as { items: Record<string, unknown>[]; nextCursor: string | null }
  }

  it('lists only public active agents of active organizations, without a token and without private fields', async () => {
    const { items } = await search('?limit=100')
    expect(items.map((i) => i['agentId']).sort()).toEqual([ids['listed'], ids['listed2'], ids['bPublic']].sort())
    for (const item of items) {
      for (const field of ['email', 'scopes', 'organizationId', 'isPublic', 'status']) expect(item).not.toHaveProperty(field)
    }
    expect(items.find((i) => i['agentId'] === ids['listed'])).toMatchObject({ publisher: { slug: 'market-a', name: 'market-a' }, did: expect.stringMatching(/^did:web:/) })
    for (const hidden of ['private', 'suspended', 'decommissioned', 'bPrivate']) {
      const res = await http.call('GET', `/api/v1/marketplace/agents/${ids[hidden]}`)
      expect(res.status).toBe(404)
      expect(res.body?.['code']).toBe('NOT_FOUND')
    }
    expect((await http.call('GET', `/api/v1/marketplace/agents/${ids['listed']}`)).body).toMatchObject({ name: 'listed-ocr' })
  })

  it('filters by q, capability and publisher, and pages with a cursor', async () => {
    expect((await search('?q=OCR')).items.map((i) => i['agentId']).sort()).toEqual([ids['listed'], ids['bPublic']].sort())
    expect((await search('?capability=ocr:run')).items.map((i) => i['agentId'])).toEqual([ids['listed']])
    expect((await search('?publisher=market-b')).items.map((i) => i['agentId'])).toEqual([ids['bPublic']])
    expect((await search('?publisher=market-b&q=mailer')).items).toEqual([])
    const first = await search('?limit=1')
    expect(first.items).toHaveLength(1)
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await search(`?limit=1&cursor=${first.nextCursor}`)
    expect(second.items[0]?.['agentId']).not.toBe(first.items[0]?.['agentId'])
    expect((await http.call('GET', '/api/v1/marketplace/agents?cursor=garbage')).body?.['code']).toBe('VALIDATION_ERROR')
    expect((await http.call('GET', '/api/v1/marketplace/agents?unknown=1')).status).toBe(400)
  })

  it('hides every agent of an organization once it is suspended', async () => {
    expect((await http.call('PATCH', `/api/v1/organizations/${B.organizationId}`, admin, { status: 'suspended' })).status).toBe(200)
    try {
      expect((await search('?limit=100')).items.map((i) => i['agentId'])).not.toContain(ids['bPublic'])
      expect((await http.call('GET', `/api/v1/marketplace/agents/${ids['bPublic']}`)).status).toBe(404)
    } finally {
      expect((await http.call('PATCH', `/api/v1/organizations/${B.organizationId}`, admin, { status: 'active' })).status).toBe(200)
    }
  })

  it('renders AGNTCY and A2A cards, and a signed card that verifies with the JWKS', async () => {
    const card = await http.call('GET', `/api/v1/agents/${ids['listed']}/card`, tokenA)
    expect(card.status).toBe(200)
    expect(card.body).toMatchObject({
      did: expect.stringMatching(/^did:web:127\.0\.0\.1%3A\d+:agents:/),
      name: 'listed-ocr',
      agentType: 'extractor',
      capabilities: ['invoices:read', 'ocr:run'],
      owner: 'market-team',
      version: '2.1.0',
      deploymentEnv: 'production',
      identityProvider: { issuer: server.url, tokenEndpoint: `${server.url}/oauth2/token` },
      issuedAt: expect.any(String),
    })
    const a2a = await http.call('GET', `/api/v1/agents/${ids['listed']}/card?format=a2a`, tokenA)
    expect(a2a.body).toMatchObject({
      name: 'listed-ocr',
      version: '2.1.0',
      provider: { organization: 'market-a' },
      securitySchemes: { agentidp: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${server.url}/oauth2/token` } } } },
      skills: [{ id: 'invoices:read' }, { id: 'ocr:run' }],
    })
    const signed = await fetch(`${server.url}/api/v1/agents/${ids['listed']}/card?format=a2a&signed=true`, { headers: { authorization: `Bearer ${tokenA}` } })
    expect(signed.headers.get('content-type')).toContain('application/jwt')
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`))
    const { payload } = await jwtVerify(await signed.text(), jwks, { issuer: server.url, typ: 'agent-card+jwt', algorithms: ['ES256'] })
    expect(payload).toMatchObject({ name: 'listed-ocr', protocolVersion: expect.any(String), sub: card.body?.['did'] })
  })

  it("answers 404 for another organization's agent cards and keys, and changes nothing there", async () => {
    for (const [method, path, body] of [
      ['GET', `/api/v1/agents/${ids['bPublic']}/card`],
      ['GET', `/api/v1/agents/${ids['bPublic']}/keys`],
      ['POST', `/api/v1/agents/${ids['bPublic']}/keys`, {}],
      ['DELETE', `/api/v1/agents/${ids['bPublic']}/keys/some-kid`],
    ] as const) {
      const res = await http.call(method, path, tokenA, body)
      expect(res.status).toBe(404)
      expect(res.body?.['code']).toBe('NOT_FOUND')
    }
    expect((await http.call('GET', `/api/v1/agents/${ids['bPublic']}/keys`, tokenB)).body?.['items']).toEqual([])
    expect((await http.call('GET', `/api/v1/agents/${ids['listed']}/card`, tokenA, undefined)).status).toBe(200)
    expect((await http.call('GET', `/api/v1/agents/${ids['listed']}/card`)).status).toBe(401)
  })

  it('reports compliance per organization and serves the public controls', async () => {
    const before = await http.call('GET', '/api/v1/compliance/report', tokenA)
    expect(before.status).toBe(200)
    expect(before.body).toMatchObject({
      organizationId: A.organizationId,
      auditChain: { verified: true },
      agntcyConformance: false, // active agents without keys
    })
    const checks = before.body?.['checks'] as { id: string; passed: boolean }[]
    expect(checks.find((c) => c.id === 'did-verification-key')?.passed).toBe(false)
    expect(checks.find((c) => c.id === 'audit-chain-integrity')?.passed).toBe(true)

    const agents = (await http.call('GET', '/api/v1/agents?status=active&limit=100', tokenA)).body?.['items'] as { agentId: string }[]
    for (const a of agents) expect((await http.call('POST', `/api/v1/agents/${a.agentId}/keys`, tokenA, {})).status).toBe(201)
    const after = await http.call('GET', '/api/v1/compliance/report', tokenA)
    expect(after.body).toMatchObject({ agntcyConformance: true, agents: { withResolvableDid: expect.any(Number) } })
    const counts = after.body?.['agents'] as { total: number; active: number; withVerificationKey: number }
    expect(counts.withVerificationKey).toBeGreaterThanOrEqual(counts.active)

    const cards = await http.call('GET', '/api/v1/compliance/agent-cards?limit=100', tokenA)
    const names = (cards.body?.['items'] as { name: string }[]).map((c) => c.name)
    expect(names).toEqual(expect.arrayContaining(['listed-ocr', 'private-ocr']))
    expect(names).not.toContain('b-public-ocr')

    const controls = await http.call('GET', '/api/v1/compliance/controls')
    expect(controls.status).toBe(200)
    expect((controls.body?.['items'] as { id: string }[]).map((c) => c.id)).toContain('IDP-DID-01')
    expect((await http.call('GET', '/api/v1/compliance/report')).status).toBe(401)
  })
})
