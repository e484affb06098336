/**
 * The SPEC §2 authority rule over HTTP (issue 10, finding 1). The attack: an agent of the platform
 * organization holding only `agents:read agents:write` mints a credential (or adds a key) for the
 * bootstrap administrator and signs in as it with `admin:orgs`; or rotates, strips, suspends or
 * decommissions it. The same against a tenant sibling holding broader scopes. Every route that
 * changes an agent must answer 403 INSUFFICIENT_SCOPE, hand out no secret, change nothing and audit
 * nothing; acting on an agent whose scopes the caller holds keeps working, and other organizations'
 * agents keep answering 404.
 */
import { randomUUID } from 'node:crypto'
import { SignJWT, decodeJwt, importJWK, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

describe.each(TARGETS)('authority rule on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let adminToken: string
  let adminAgentId: string
  let adminCredentialId: string
  let adminKid: string
  let platformOrgId: string

  /** A new agent in `organizationId` with `scopes`, its credential and a token. */
  async function agentWithToken(organizationId: string, scopes: string[], scope?: string) {
    const agent = await http.call('POST', '/api/v1/agents', adminToken, {
      organizationId,
      name: `agent-${randomUUID().slice(0, 8)}`,
      agentType: 'custom',
      version: '1.0.0',
      capabilities: ['docs:read'],
      owner: 'authority',
      deploymentEnv: 'production',
      scopes,
    })
    expect(agent.status).toBe(201)
    const agentId = String(agent.body?.['agentId'])
    const cred = await http.call('POST', `/api/v1/agents/${agentId}/credentials`, adminToken, {})
    expect(cred.status).toBe(201)
    const credentialId = String(cred.body?.['credentialId'])
    const token = await http.token(String(cred.body?.['clientId']), String(cred.body?.['clientSecret']), scope)
    return { agentId, credentialId, token }
  }

  /** Every route that changes agent `id` (with its credential `cred` and key `kid`). */
  const routes = (id: string, cred: string, kid: string): [string, string, unknown?][] => [
    ['PATCH', `/api/v1/agents/${id}`, { description: 'changed' }],
    ['PATCH', `/api/v1/agents/${id}`, { scopes: ['agents:read'] }],
    ['PATCH', `/api/v1/agents/${id}`, { status: 'suspended' }],
    ['DELETE', `/api/v1/agents/${id}`],
    ['POST', `/api/v1/agents/${id}/credentials`, {}],
    ['POST', `/api/v1/agents/${id}/credentials/${cred}/rotate`],
    ['DELETE', `/api/v1/agents/${id}/credentials/${cred}`],
    ['POST', `/api/v1/agents/${id}/keys`, {}],
    ['DELETE', `/api/v1/agents/${id}/keys/${kid}`],
  ]

  /** What the attacker could have changed about agent `id`, read as the administrator; the log head through `auditToken`. */
  async function stateOf(id: string, auditToken: string) {
    const [agent, credentials, keys, audit] = await Promise.all([
      http.call('GET', `/api/v1/agents/${id}`, adminToken),
      http.call('GET', `/api/v1/agents/${id}/credentials`, adminToken),
      http.call('GET', `/api/v1/agents/${id}/keys`, adminToken),
      http.call('GET', '/api/v1/audit?limit=1', auditToken),
    ])
    expect(audit.status).toBe(200)
    return { agent: agent.body, credentials: credentials.body, keys: keys.body, head: (audit.body?.['items'] as unknown[])[0] }
  }

  function expectRefused(res: Awaited<ReturnType<typeof http.call>>) {
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE', status: 403 })
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope"/)
    expect(res.body?.['clientSecret']).toBeUndefined()
    expect(res.body?.['privateJwk']).toBeUndefined()
  }

  beforeAll(async () => {
    server = await startOn(target, { RATE_LIMIT_REST_POINTS: '100000' })
    http = api(server.url)
    adminToken = await http.token(ADMIN_ID, ADMIN_SECRET)
    const claims = decodeJwt(adminToken)
    adminAgentId = String(claims.sub)
    platformOrgId = String(claims['organization_id'])
    const creds = await http.call('GET', `/api/v1/agents/${adminAgentId}/credentials`, adminToken)
    adminCredentialId = String((creds.body?.['items'] as { credentialId: string }[])[0]?.credentialId)
    const key = await http.call('POST', `/api/v1/agents/${adminAgentId}/keys`, adminToken, {})
    adminKid = String(key.body?.['kid'])
  })
  afterAll(async () => {
    await server.close()
  })

  it('an agents:read agents:write agent of the platform cannot take over the administrator through any route', async () => {
    const attacker = await agentWithToken(platformOrgId, ['agents:read', 'agents:write'])
    const before = await stateOf(adminAgentId, adminToken)
    for (const [method, path, body] of routes(adminAgentId, adminCredentialId, adminKid)) {
      const res = await http.call(method, path, attacker.token, body)
      expectRefused(res)
      expect(res.body?.['detail']).toContain('admin:orgs')
    }
    expect(await stateOf(adminAgentId, adminToken)).toStrictEqual(before)
    // The administrator's own secret still works, and it is still the only credential.
    expect(decodeJwt(await http.token(ADMIN_ID, ADMIN_SECRET)).scope).toContain('admin:orgs')
  })

  it('the attack end to end: no credential or key means no admin:orgs token', async () => {
    const attacker = await agentWithToken(platformOrgId, ['agents:read', 'agents:write'])
    const minted = await http.call('POST', `/api/v1/agents/${adminAgentId}/credentials`, attacker.token, {})
    expectRefused(minted)
    const keyed = await http.call('POST', `/api/v1/agents/${adminAgentId}/keys`, attacker.token, {})
    expectRefused(keyed)
    // Even knowing a private key, the attacker cannot make the server trust it for the administrator.
    const { privateJwk } = (await http.call('POST', `/api/v1/agents/${attacker.agentId}/keys`, attacker.token, {})).body as { privateJwk: JWK }
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid ?? '' })
      .setIssuer(adminAgentId)
      .setSubject(adminAgentId)
      .setAudience(server.url)
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(await importJWK(privateJwk, 'ES256'))
    const res = await http.form('/oauth2/token', {
      grant_type: 'client_credentials',
      client_id: adminAgentId,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    })
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ error: 'invalid_client' })
  })

  it('membership of the administrator cannot be changed by a narrower admin:orgs token', async () => {
    expect((await http.call('POST', `/api/v1/organizations/${platformOrgId}/members`, adminToken, { agentId: adminAgentId, role: 'admin' })).status).toBe(201)
    const narrow = await agentWithToken(platformOrgId, ['admin:orgs', 'agents:read'])
    expectRefused(await http.call('DELETE', `/api/v1/organizations/${platformOrgId}/members/${adminAgentId}`, narrow.token))
    expectRefused(await http.call('POST', `/api/v1/organizations/${platformOrgId}/members`, narrow.token, { agentId: adminAgentId, role: 'member' }))
    const members = (await http.call('GET', `/api/v1/organizations/${platformOrgId}/members`, adminToken)).body?.['items'] as { agentId: string; role: string }[]
    expect(members).toContainEqual(expect.objectContaining({ agentId: adminAgentId, role: 'admin' }))
  })

  it("an agents:write holder cannot revoke the administrator's delegation", async () => {
    const writer = await agentWithToken(platformOrgId, ['agents:read', 'agents:write'])
    const created = await http.call('POST', '/oauth2/token/delegate', adminToken, { delegateeAgentId: writer.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    expect(created.status).toBe(201)
    const chainId = String(created.body?.['chainId'])
    expectRefused(await http.call('DELETE', `/oauth2/token/delegate/${chainId}`, writer.token))
    const verified = await http.call('POST', '/oauth2/token/verify-delegation', writer.token, { delegationToken: created.body?.['delegationToken'] })
    expect(verified.body).toMatchObject({ valid: true, revokedAt: null })
  })

  describe('in a tenant', () => {
    let orgId: string
    let low: Awaited<ReturnType<typeof agentWithToken>>
    let sibling: Awaited<ReturnType<typeof agentWithToken>>
    let siblingKid: string

    beforeAll(async () => {
      const org = await http.call('POST', '/api/v1/organizations', adminToken, { name: 'Authority', slug: `authority-${target.name}` })
      orgId = String(org.body?.['organizationId'])
      low = await agentWithToken(orgId, ['agents:read', 'agents:write'])
      sibling = await agentWithToken(orgId, ['agents:read', 'audit:read', 'delegation:write'])
      siblingKid = String((await http.call('POST', `/api/v1/agents/${sibling.agentId}/keys`, adminToken, {})).body?.['kid'])
    })

    it('a sibling holding broader scopes (audit:read, delegation:write) is out of reach on every route', async () => {
      const before = await stateOf(sibling.agentId, sibling.token)
      for (const [method, path, body] of routes(sibling.agentId, sibling.credentialId, siblingKid)) {
        const res = await http.call(method, path, low.token, body)
        expectRefused(res)
        expect(res.body?.['detail']).toContain('audit:read')
      }
      expect(await stateOf(sibling.agentId, sibling.token)).toStrictEqual(before)
      // The sibling's token still works: it was neither suspended, stripped nor rotated.
      expect((await http.call('GET', `/api/v1/agents/${sibling.agentId}`, sibling.token)).status).toBe(200)
    })

    it('an agent whose scopes the caller holds stays manageable on every route', async () => {
      const peer = await agentWithToken(orgId, ['agents:read'])
      const kid = String((await http.call('POST', `/api/v1/agents/${peer.agentId}/keys`, adminToken, {})).body?.['kid'])
      const call = async (method: string, path: string, body?: unknown) => (await http.call(method, `/api/v1/agents/${peer.agentId}${path}`, low.token, body)).status
      expect(await call('PATCH', '', { description: 'changed' })).toBe(200)
      expect(await call('PATCH', '', { scopes: [] })).toBe(200)
      expect(await call('PATCH', '', { status: 'suspended' })).toBe(200)
      expect(await call('PATCH', '', { status: 'active' })).toBe(200)
      expect(await call('POST', '/credentials', {})).toBe(201)
      expect(await call('POST', `/credentials/${peer.credentialId}/rotate`)).toBe(200)
      expect(await call('DELETE', `/credentials/${peer.credentialId}`)).toBe(204)
      expect(await call('POST', '/keys', {})).toBe(201)
      expect(await call('DELETE', `/keys/${kid}`)).toBe(204)
      expect(await call('DELETE', '')).toBe(204)
    })

    it('a token narrowed with scope= cannot rotate its own credential back to the full scopes', async () => {
      const self = await agentWithToken(orgId, ['agents:read', 'agents:write', 'audit:read'], 'agents:read agents:write')
      expectRefused(await http.call('POST', `/api/v1/agents/${self.agentId}/credentials/${self.credentialId}/rotate`, self.token))
      expectRefused(await http.call('POST', `/api/v1/agents/${self.agentId}/credentials`, self.token, {}))
    })

    it("another organization's agent still answers 404, not 403", async () => {
      const other = await provisionTenant(server.url, adminToken, `authority-other-${target.name}`, ['agents:read', 'audit:read'])
      const res = await http.call('POST', `/api/v1/agents/${other.agentId}/credentials`, low.token, {})
      expect(res.status).toBe(404)
      expect(res.body).toMatchObject({ code: 'NOT_FOUND' })
    })
  })
})
