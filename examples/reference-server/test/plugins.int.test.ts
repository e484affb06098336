/**
 * The extension contract, over HTTP on the real reference server (PGlite, and PostgreSQL when
 * reachable): a test plugin adds a scope, audit actions, a grant, hooks (one vetoes), a table
 * written in core's transaction (rolled back with its audit event), and an outbox consumer. Chosen
 * with `PLUGINS`; a plugin that is not listed is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'
import { PROBE_GRANT, PROBE_SECRET, probeEntry } from './fixtures/test-plugin.js'

const knownPlugins = { probe: probeEntry }
const agentBody = (name: string, scopes: string[], organizationId?: string) => ({
  ...(organizationId === undefined ? {} : { organizationId }),
  name,
  agentType: 'custom',
  version: '1.0.0',
  capabilities: ['notes:write'],
  owner: 'probe-team',
  deploymentEnv: 'development',
  scopes,
})

for (const target of TARGETS) {
  describe(`a plugin installed with PLUGINS (${target.name})`, () => {
    let server: Running
    let http: ReturnType<typeof api>
    let admin: string

    beforeAll(async () => {
      server = await startOn(target, { PLUGINS: 'probe' }, { knownPlugins })
      http = api(server.url)
      admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    })
    afterAll(async () => server.close())

    it('adds its scope and grant to discovery, and its scope is grantable and issued', async () => {
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['scopes_supported']).toContain('probe:write')
      expect(discovery.body?.['grant_types_supported']).toContain(PROBE_GRANT)
      // The grant accepts requests without client authentication: discovery says so.
      expect(discovery.body?.['token_endpoint_auth_methods_supported']).toContain('none')
      // The bootstrap administrator holds every installed scope.
      expect((await http.call('GET', '/agent-info', admin)).body?.['scope']).toContain('probe:write')
      const tenant = await provisionTenant(server.url, admin, 'probe-scope', ['probe:write', 'agents:read'])
      const token = await http.token(tenant.clientId, tenant.clientSecret, 'probe:write')
      expect((await http.call('GET', '/agent-info', token)).body?.['scope']).toBe('probe:write')
    })

    it('writes its table and its audit event in one transaction, and rolls both back together', async () => {
      const tenant = await provisionTenant(server.url, admin, 'probe-notes', ['probe:write', 'audit:read'])
      const token = await http.token(tenant.clientId, tenant.clientSecret)
      const written = await http.call('POST', '/api/v1/probe/notes', token, { text: 'kept' })
      expect(written.status).toBe(201)
      const refused = await http.call('POST', '/api/v1/probe/notes', token, { text: 'rolled back', refuse: true })
      expect(refused.status).toBe(409)
      expect(refused.body).toMatchObject({ code: 'PROBE_NOTE_REFUSED', title: 'Note refused' })

      const notes = await http.call('GET', '/api/v1/probe/notes', token)
      expect(notes.body?.['items']).toEqual([{ noteId: written.body?.['noteId'], text: 'kept' }])
      const audit = await http.call('GET', '/api/v1/audit?action=probe.note_written', token)
      expect(audit.body?.['items']).toEqual([
        expect.objectContaining({ action: 'probe.note_written', actor: tenant.agentId, details: { noteId: written.body?.['noteId'], length: 4 } }),
      ])
      // The chain stayed whole: the rolled-back event left no gap.
      expect((await http.call('GET', '/api/v1/audit/verify', token)).body).toMatchObject({ verified: true })
      // Its routes inherit the binding's validation: unknown fields are refused.
      expect((await http.call('POST', '/api/v1/probe/notes', token, { text: 'x', extra: 1 })).status).toBe(400)
    })

    it('issues tokens through its grant: hooks run, the decision is audited, the extension binding decides liveness', async () => {
      const tenant = await provisionTenant(server.url, admin, 'probe-grant', ['agents:read', 'audit:read'])
      const res = await http.form('/oauth2/token', { grant_type: PROBE_GRANT, probe_secret: PROBE_SECRET, agent_id: tenant.agentId, scope: 'agents:read' })
      expect(res.status).toBe(200)
      const token = String(res.body?.['access_token'])
      expect((await http.call('GET', `/api/v1/agents/${tenant.agentId}`, token)).status).toBe(200)
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>
      expect(claims).toMatchObject({ sub: tenant.agentId, scope: 'agents:read', ext_binding: 'probe:live', probe: true })

      const ownToken = await http.token(tenant.clientId, tenant.clientSecret)
      const audit = await http.call('GET', '/api/v1/audit?action=probe.token_issued', ownToken)
      expect(audit.body?.['items']).toEqual([
        expect.objectContaining({
          actor: 'system:probe',
          agentId: tenant.agentId,
          details: expect.objectContaining({ via: 'probe-grant', grantType: PROBE_GRANT, jti: claims['jti'], hooks: { probe: { checkedBy: 'probe', grantType: PROBE_GRANT } } }),
        }),
      ])
      // A token whose binding the extension declares dead is rejected everywhere.
      const dead = await http.form('/oauth2/token', { grant_type: PROBE_GRANT, probe_secret: PROBE_SECRET, agent_id: tenant.agentId, binding: 'dead' })
      expect(dead.status).toBe(200)
      expect((await http.call('GET', `/api/v1/agents/${tenant.agentId}`, String(dead.body?.['access_token']))).status).toBe(401)
      // Scopes are narrowed by the one rule: beyond the agent's → invalid_scope.
      const beyond = await http.form('/oauth2/token', { grant_type: PROBE_GRANT, probe_secret: PROBE_SECRET, agent_id: tenant.agentId, scope: 'admin:orgs' })
      expect(beyond.status).toBe(400)
      expect(beyond.body).toMatchObject({ error: 'invalid_scope' })
    })

    it('vetoes through a hook: nothing is created and the refusal is audited', async () => {
      const org = await http.call('POST', '/api/v1/organizations', admin, { name: 'veto', slug: 'probe-veto' })
      const organizationId = String(org.body?.['organizationId'])
      const refused = await http.call('POST', '/api/v1/agents', admin, agentBody('forbidden-agent', [], organizationId))
      expect(refused.status).toBe(403)
      expect(refused.body).toMatchObject({ code: 'PROBE_AGENT_REFUSED' })
      const ok = await http.call('POST', '/api/v1/agents', admin, agentBody('allowed-agent', [], organizationId))
      expect(ok.status).toBe(201)
      const listed = await http.call('GET', `/api/v1/agents?limit=10`, admin)
      expect(JSON.stringify(listed.body)).not.toContain('forbidden-agent')
      // The outbox consumer counted exactly the one agent.created of this organization.
      const tenant = await provisionTenant(server.url, admin, 'probe-count', ['probe:write'])
      const token = await http.token(tenant.clientId, tenant.clientSecret)
      expect((await http.call('POST', '/api/v1/probe/agent-count', token)).body).toEqual({ count: 1 })
      const withVeto = await http.call('POST', '/api/v1/agents', admin, agentBody('forbidden-two', [], tenant.organizationId))
      expect(withVeto.status).toBe(403)
      expect((await http.call('POST', '/api/v1/probe/agent-count', token)).body).toEqual({ count: 1 })
      // hook.vetoed is in the organization's own log.
      const adminAudit = await http.call('GET', `/api/v1/audit?action=hook.vetoed`, await tenantAuditToken(tenant.organizationId))
      expect(adminAudit.body?.['items']).toEqual([
        expect.objectContaining({
          outcome: 'failure',
          details: { hook: 'beforeAgentCreate', extensionId: 'probe', code: 'PROBE_AGENT_REFUSED', operation: 'agent.created' },
        }),
      ])
    })

    /** A token of a fresh agent of `organizationId` holding audit:read. */
    async function tenantAuditToken(organizationId: string): Promise<string> {
      const agent = await http.call('POST', '/api/v1/agents', admin, agentBody(`auditor-${organizationId.slice(0, 6)}`, ['audit:read'], organizationId))
      const agentId = String(agent.body?.['agentId'])
      const cred = await http.call('POST', `/api/v1/agents/${agentId}/credentials`, admin, {})
      return http.token(String(cred.body?.['clientId']), String(cred.body?.['clientSecret']))
    }
  })

  describe(`a plugin not listed in PLUGINS (${target.name})`, () => {
    let server: Running
    let http: ReturnType<typeof api>
    let admin: string

    beforeAll(async () => {
      server = await startOn(target, { PLUGINS: 'none' }, { knownPlugins })
      http = api(server.url)
      admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    })
    afterAll(async () => server.close())

    it('is absent: routes 404, scope and grant neither advertised nor accepted', async () => {
      expect((await http.call('GET', '/api/v1/probe/notes', admin)).status).toBe(404)
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['scopes_supported']).not.toContain('probe:write')
      expect(discovery.body?.['grant_types_supported']).not.toContain(PROBE_GRANT)
      expect(discovery.body?.['token_endpoint_auth_methods_supported']).not.toContain('none')
      const grant = await http.form('/oauth2/token', { grant_type: PROBE_GRANT, probe_secret: PROBE_SECRET, agent_id: 'x' })
      expect(grant.body).toMatchObject({ error: 'unsupported_grant_type' })
      const agent = await http.call('POST', '/api/v1/agents', admin, agentBody('no-probe', ['probe:write']))
      expect(agent.status).toBe(400)
      expect(agent.body).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: '/scopes/0', message: expect.any(String) }] })
      expect((await http.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'probe:write' }, { id: ADMIN_ID, secret: ADMIN_SECRET })).body).toMatchObject({
        error: 'invalid_scope',
      })
      // The hook is gone with the plugin.
      expect((await http.call('POST', '/api/v1/agents', admin, agentBody('forbidden-but-fine', []))).status).toBe(201)
    })
  })
}

describe('PLUGINS', () => {
  it('refuses a plugin the server does not know, naming it', async () => {
    const target = TARGETS[0]
    if (target === undefined) throw new Error('no target')
    await expect(startOn(target, { PLUGINS: 'probe,nope' }, { knownPlugins })).rejects.toThrow(/unknown plugins: nope/)
  })
})
