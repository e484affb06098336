import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentBody, basic, form, setup, tokenFor, type Fixture } from './helpers.js'

let f: Fixture
beforeAll(async () => {
  f = await setup()
})
afterAll(async () => f.close())

const auth = () => ({ authorization: `Bearer ${f.adminToken}` })

describe('organizations and members', () => {
  it('creates, lists, reads, updates and deletes an organization', async () => {
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: auth(),
      payload: { name: 'Acme', slug: 'acme' },
    })
    expect(created.statusCode).toBe(201)
    const org = created.json()
    expect(org).toMatchObject({ name: 'Acme', slug: 'acme', status: 'active' })

    const dup = await f.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: auth(), payload: { name: 'X', slug: 'acme' } })
    expect(dup.statusCode).toBe(409)
    expect(dup.json().code).toBe('CONFLICT')

    const list = await f.app.inject({ method: 'GET', url: '/api/v1/organizations?limit=50', headers: auth() })
    expect(list.statusCode).toBe(200)
    expect(list.json().items.map((o: { slug: string }) => o.slug)).toContain('acme')

    const url = `/api/v1/organizations/${org.organizationId}`
    expect((await f.app.inject({ method: 'GET', url, headers: auth() })).json().slug).toBe('acme')
    const patched = await f.app.inject({ method: 'PATCH', url, headers: auth(), payload: { name: 'Acme Inc' } })
    expect(patched.statusCode).toBe(200)
    expect(patched.json().name).toBe('Acme Inc')
    const removed = await f.app.inject({ method: 'DELETE', url, headers: auth() })
    expect(removed.statusCode).toBe(204)
    expect(removed.body).toBe('')
  })

  it('adds, lists and removes members', async () => {
    const agent = (await f.app.inject({ method: 'POST', url: '/api/v1/agents', headers: auth(), payload: agentBody() })).json()
    const url = `/api/v1/organizations/${agent.organizationId}/members`
    const added = await f.app.inject({ method: 'POST', url, headers: auth(), payload: { agentId: agent.agentId, role: 'admin' } })
    expect(added.statusCode).toBe(201)
    expect(added.json()).toMatchObject({ agentId: agent.agentId, role: 'admin' })
    const list = await f.app.inject({ method: 'GET', url, headers: auth() })
    expect(list.statusCode).toBe(200)
    expect(list.json().items.map((m: { agentId: string }) => m.agentId)).toContain(agent.agentId)
    const del = await f.app.inject({ method: 'DELETE', url: `${url}/${agent.agentId}`, headers: auth() })
    expect(del.statusCode).toBe(204)
  })
})

describe('agents, credentials and tokens', () => {
  it('registers an agent, issues a credential, and the agent gets a token', async () => {
    const reg = await f.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: auth(),
      payload: agentBody({ scopes: ['agents:read'] }),
    })
    expect(reg.statusCode).toBe(201)
    const agent = reg.json()
    expect(agent.did).toMatch(/^did:web:/)

    const got = await f.app.inject({ method: 'GET', url: `/api/v1/agents/${agent.agentId}`, headers: auth() })
    expect(got.json().agentId).toBe(agent.agentId)
    const list = await f.app.inject({ method: 'GET', url: '/api/v1/agents?status=active&limit=100', headers: auth() })
    expect(list.json().items.map((a: { agentId: string }) => a.agentId)).toContain(agent.agentId)
    const patched = await f.app.inject({ method: 'PATCH', url: `/api/v1/agents/${agent.agentId}`, headers: auth(), payload: { owner: 'team-b' } })
    expect(patched.json().owner).toBe('team-b')

    // POST without a body is "no options".
    const cred = await f.app.inject({ method: 'POST', url: `/api/v1/agents/${agent.agentId}/credentials`, headers: auth() })
    expect(cred.statusCode).toBe(201)
    const { clientId, clientSecret, credentialId } = cred.json()
    expect(clientSecret).toEqual(expect.any(String))

    const creds = await f.app.inject({ method: 'GET', url: `/api/v1/agents/${agent.agentId}/credentials`, headers: auth() })
    expect(creds.statusCode).toBe(200)
    expect(creds.body).not.toContain(clientSecret)
    expect(creds.json().items[0]).not.toHaveProperty('clientSecret')

    // client_secret_post at the REST alias of the token endpoint.
    const tok = await f.app.inject({
      method: 'POST',
      url: '/api/v1/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    })
    expect(tok.statusCode).toBe(200)
    expect(tok.headers['cache-control']).toBe('no-store')
    expect(tok.headers.pragma).toBe('no-cache')
    expect(tok.json()).toMatchObject({ token_type: 'Bearer', scope: 'agents:read' })
    const agentToken: string = tok.json().access_token

    const info = await f.app.inject({ method: 'GET', url: '/agent-info', headers: { authorization: `Bearer ${agentToken}` } })
    expect(info.statusCode).toBe(200)
    expect(info.json()).toMatchObject({ sub: agent.agentId, agent_id: agent.agentId })

    // Insufficient scope is a 403 problem with a Bearer challenge.
    const denied = await f.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: { authorization: `Bearer ${agentToken}` },
      payload: agentBody(),
    })
    expect(denied.statusCode).toBe(403)
    expect(denied.json().code).toBe('INSUFFICIENT_SCOPE')
    expect(denied.headers['www-authenticate']).toMatch(/insufficient_scope/)

    // Introspection by the admin (tokens:read), then revocation by the agent's own client.
    const introspect = await f.app.inject({
      method: 'POST',
      url: '/oauth2/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('admin', 'x'.repeat(43)) },
      payload: form({ token: agentToken }),
    })
    expect(introspect.statusCode).toBe(200)
    expect(introspect.json()).toMatchObject({ active: true, sub: agent.agentId })
    const revoke = await f.app.inject({
      method: 'POST',
      url: '/oauth2/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, clientSecret) },
      payload: form({ token: agentToken }),
    })
    expect(revoke.statusCode).toBe(200)
    const after = await f.app.inject({ method: 'GET', url: '/agent-info', headers: { authorization: `Bearer ${agentToken}` } })
    expect(after.statusCode).toBe(401)

    // Rotation: the new secret works, the old one does not.
    const rotated = await f.app.inject({
      method: 'POST',
      url: `/api/v1/agents/${agent.agentId}/credentials/${credentialId}/rotate`,
      headers: auth(),
    })
    expect(rotated.statusCode).toBe(200)
    await expect(tokenFor(f.app, clientId, clientSecret)).rejects.toThrow(/401/)
    await tokenFor(f.app, clientId, rotated.json().clientSecret)

    const revoked = await f.app.inject({
      method: 'DELETE',
      url: `/api/v1/agents/${agent.agentId}/credentials/${credentialId}`,
      headers: auth(),
    })
    expect(revoked.statusCode).toBe(204)
    const gone = await f.app.inject({ method: 'DELETE', url: `/api/v1/agents/${agent.agentId}`, headers: auth() })
    expect(gone.statusCode).toBe(204)
    const decommissioned = await f.app.inject({ method: 'GET', url: `/api/v1/agents/${agent.agentId}`, headers: auth() })
    expect(decommissioned.json().status).toBe('decommissioned')
  })
})

describe('audit', () => {
  it('lists events and verifies the chain', async () => {
    const list = await f.app.inject({ method: 'GET', url: '/api/v1/audit?limit=5', headers: auth() })
    expect(list.statusCode).toBe(200)
    expect(list.json().items.length).toBeGreaterThan(0)
    expect(list.json().items[0]).toHaveProperty('hash')
    const verify = await f.app.inject({ method: 'GET', url: '/api/v1/audit/verify?from=1&to=3', headers: auth() })
    expect(verify.statusCode).toBe(200)
    expect(verify.json()).toMatchObject({ verified: true })
    const bad = await f.app.inject({ method: 'GET', url: '/api/v1/audit/verify?from=abc', headers: auth() })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors[0].field).toBe('/from')
  })
})
