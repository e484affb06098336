/** After rotation, revocation, suspension or decommission, old tokens and secrets are rejected. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

describe.each(TARGETS)('credential and agent lifecycle on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let admin: string

  beforeAll(async () => {
    server = await startOn(target)
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
  })
  afterAll(async () => {
    await server.close()
  })

  const rejected = async (token: string, agentId: string) =>
    (await http.call('GET', `/api/v1/agents/${agentId}`, token)).status === 401
  const secretRejected = async (id: string, secret: string) =>
    (await http.form('/oauth2/token', { grant_type: 'client_credentials' }, { id, secret })).status === 401

  it('credential revocation rejects its tokens and secret; other credentials keep working', async () => {
    const t = await provisionTenant(server.url, admin, 'life-revoke', ['agents:read'])
    const second = await http.call('POST', `/api/v1/agents/${t.agentId}/credentials`, admin, {})
    const token = await http.token(t.clientId, t.clientSecret)
    expect((await http.call('DELETE', `/api/v1/agents/${t.agentId}/credentials/${t.credentialId}`, admin)).status).toBe(204)
    expect(await rejected(token, t.agentId)).toBe(true)
    expect(await secretRejected(t.clientId, t.clientSecret)).toBe(true)
    const other = await http.token(String(second.body?.['clientId']), String(second.body?.['clientSecret']))
    expect(await rejected(other, t.agentId)).toBe(false)
    const list = await http.call('GET', `/api/v1/agents/${t.agentId}/credentials`, admin)
    expect(JSON.stringify(list.body)).not.toMatch(/secret/i)
    expect((await http.call('POST', `/api/v1/agents/${t.agentId}/credentials/${t.credentialId}/rotate`, admin)).status).toBe(409)
  })

  it('suspension rejects tokens until reactivation', async () => {
    const t = await provisionTenant(server.url, admin, 'life-suspend', ['agents:read'])
    const token = await http.token(t.clientId, t.clientSecret)
    const suspended = await http.call('PATCH', `/api/v1/agents/${t.agentId}`, admin, { status: 'suspended' })
    expect(suspended.body).toMatchObject({ status: 'suspended' })
    expect(await rejected(token, t.agentId)).toBe(true)
    expect(await secretRejected(t.clientId, t.clientSecret)).toBe(true)
    await http.call('PATCH', `/api/v1/agents/${t.agentId}`, admin, { status: 'active' })
    expect(await rejected(token, t.agentId)).toBe(false)
  })

  it('decommission revokes everything and cannot be undone', async () => {
    const t = await provisionTenant(server.url, admin, 'life-decom', ['agents:read'])
    const token = await http.token(t.clientId, t.clientSecret)
    // A second agent of the same organization introspects (a foreign one would see inactive anyway).
    const auditor = await http.call('POST', '/api/v1/agents', admin, {
      organizationId: t.organizationId, name: 'introspector', agentType: 'monitor', version: '1.0.0',
      capabilities: [], owner: 'sec', deploymentEnv: 'production', scopes: ['tokens:read'],
    })
    const auditorId = String(auditor.body?.['agentId'])
    const ac = await http.call('POST', `/api/v1/agents/${auditorId}/credentials`, admin, {})
    const introspector = { id: String(ac.body?.['clientId']), secret: String(ac.body?.['clientSecret']) }
    expect((await http.form('/oauth2/introspect', { token }, introspector)).body).toMatchObject({ active: true })
    expect((await http.call('DELETE', `/api/v1/agents/${t.agentId}`, admin)).status).toBe(204)
    expect(await rejected(token, t.agentId)).toBe(true)
    expect(await secretRejected(t.clientId, t.clientSecret)).toBe(true)
    const agent = await http.call('GET', `/api/v1/agents/${t.agentId}`, admin)
    expect(agent.body).toMatchObject({ status: 'decommissioned' })
    const creds = await http.call('GET', `/api/v1/agents/${t.agentId}/credentials`, admin)
    expect((creds.body?.['items'] as { status: string }[]).every((c) => c.status === 'revoked')).toBe(true)
    const revive = await http.call('PATCH', `/api/v1/agents/${t.agentId}`, admin, { status: 'active' })
    expect(revive.status).toBe(409)
    expect(revive.body?.['code']).toBe('CONFLICT')
    expect((await http.form('/oauth2/introspect', { token }, introspector)).body).toEqual({ active: false })
    expect((await http.call('DELETE', `/api/v1/agents/${auditorId}`, admin)).status).toBe(204)
    // The organization can now be deleted: it has no live agents.
    expect((await http.call('DELETE', `/api/v1/organizations/${t.organizationId}`, admin)).status).toBe(204)
    expect((await http.call('GET', `/api/v1/organizations/${t.organizationId}`, admin)).status).toBe(404)
  })

  it('refuses to delete an organization with live agents', async () => {
    const t = await provisionTenant(server.url, admin, 'life-busy', ['agents:read'])
    const res = await http.call('DELETE', `/api/v1/organizations/${t.organizationId}`, admin)
    expect(res.status).toBe(409)
    expect((await http.call('GET', `/api/v1/organizations/${t.organizationId}`, admin)).status).toBe(200)
  })
})
