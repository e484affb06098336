/**
 * Issue 10, low-severity findings over HTTP:
 * - 17: every response carrying a secret (client secret, generated private key, delegation token,
 *   access token) is `Cache-Control: no-store` + `Pragma: no-cache`;
 * - 18: the plan's agent cap moved to @sentryagent/plugin-billing (its tests check the 403
 *   `AGENT_LIMIT_REACHED` without `Retry-After` / `RateLimit-*`); without the plugin there is none;
 * - 11: introspection does not trust `token_type_hint` (RFC 7662 §2.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

const agentBody = (name: string, scopes: string[] = ['agents:read']) => ({
  name,
  agentType: 'custom',
  version: '1.0.0',
  capabilities: ['docs:read'],
  owner: 'hardening',
  deploymentEnv: 'production',
  scopes,
})

describe.each(TARGETS)('hardening on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let admin: string
  let tenant: Awaited<ReturnType<typeof provisionTenant>>
  let tenantToken: string

  beforeAll(async () => {
    server = await startOn(target)
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    tenant = await provisionTenant(server.url, admin, `hardening-${target.name}`, ['agents:read', 'agents:write', 'tokens:read', 'delegation:write'])
    tenantToken = await http.token(tenant.clientId, tenant.clientSecret)
  })
  afterAll(async () => {
    await server.close()
  })

  const expectNoStore = (res: { status: number; headers: Headers }, status: number) => {
    expect(res.status).toBe(status)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('pragma')).toBe('no-cache')
  }

  describe('responses carrying a secret are never cached (finding 17)', () => {
    it('credential generation and rotation', async () => {
      const created = await http.call('POST', `/api/v1/agents/${tenant.agentId}/credentials`, tenantToken, {})
      expectNoStore(created, 201)
      expect(created.body?.['clientSecret']).toEqual(expect.any(String))
      const rotated = await http.call('POST', `/api/v1/agents/${tenant.agentId}/credentials/${String(created.body?.['credentialId'])}/rotate`, tenantToken)
      expectNoStore(rotated, 200)
      expect(rotated.body?.['clientSecret']).toEqual(expect.any(String))
    })

    it('a server-generated key pair (private JWK)', async () => {
      const key = await http.call('POST', `/api/v1/agents/${tenant.agentId}/keys`, tenantToken, {})
      expectNoStore(key, 201)
      expect(key.body?.['privateJwk']).toMatchObject({ d: expect.any(String) })
    })

    it('a delegation token', async () => {
      const delegatee = await http.call('POST', '/api/v1/agents', tenantToken, agentBody('delegatee'))
      const created = await http.call('POST', '/oauth2/token/delegate', tenantToken, {
        delegateeAgentId: delegatee.body?.['agentId'],
        scopes: ['agents:read'],
        ttlSeconds: 600,
      })
      expectNoStore(created, 201)
      expect(created.body?.['delegationToken']).toEqual(expect.any(String))
    })

    it('the token endpoint at both paths, and introspection (RFC 6749 §5.1, RFC 7662 §4)', async () => {
      const auth = { id: tenant.clientId, secret: tenant.clientSecret }
      for (const path of ['/oauth2/token', '/api/v1/token']) {
        expectNoStore(await http.form(path, { grant_type: 'client_credentials' }, auth), 200)
      }
      expectNoStore(await http.form('/oauth2/introspect', { token: tenantToken }, auth), 200)
    })
  })

  describe('the agent cap (finding 18)', () => {
    // The cap is a policy of @sentryagent/plugin-billing (its HTTP tests check the 403 without
    // Retry-After / RateLimit-*). Without the plugin installed, core caps nothing.
    it('is absent without the billing plugin: an eleventh agent in a free organization is created', async () => {
      const org = await http.call('POST', '/api/v1/organizations', admin, { name: 'Uncapped', slug: `uncapped-${target.name}`, planTier: 'free' })
      expect(org.body?.['maxAgents']).toBe(10)
      const organizationId = String(org.body?.['organizationId'])
      for (let i = 0; i < 11; i++) {
        const res = await http.call('POST', '/api/v1/agents', admin, { ...agentBody(`uncapped-${i}`), organizationId })
        expect(res.status).toBe(201)
      }
      const list = await http.call('GET', `/api/v1/agents?limit=100&organizationId=${organizationId}`, admin)
      expect((list.body?.['items'] as unknown[]).length).toBe(11)
    })
  })

  describe('introspection and token_type_hint (finding 11)', () => {
    it('finds a live access token whatever the hint says', async () => {
      const auth = { id: tenant.clientId, secret: tenant.clientSecret }
      const token = await http.token(tenant.clientId, tenant.clientSecret)
      for (const hint of ['refresh_token', 'access_token', 'urn:example:unknown']) {
        const res = await http.form('/oauth2/introspect', { token, token_type_hint: hint }, auth)
        expect(res.status).toBe(200)
        expect(res.body).toMatchObject({ active: true, sub: tenant.agentId })
      }
      // The hint does not make garbage active either.
      const garbage = await http.form('/oauth2/introspect', { token: 'not-a-token', token_type_hint: 'refresh_token' }, auth)
      expect(garbage.body).toEqual({ active: false })
    })
  })
})
