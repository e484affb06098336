/**
 * Agent-to-agent delegation end to end (SPEC §8, issue 5) over HTTP on the real server, on PGlite
 * and PostgreSQL: delegation tokens, RFC 8693 token exchange with nested `act`, re-delegation within
 * `maxDepth`, cascading revocation, liveness of derived tokens, and the escalation attempts.
 * Expiry is covered by the core tests with an injected clock (no sleeping here).
 */
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, addAgent as addAgentWithCredential, api, provisionTenant, startOn, type Running } from './harness.js'

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT = 'urn:ietf:params:oauth:token-type:jwt'
const AT = 'urn:ietf:params:oauth:token-type:access_token'
const SCOPES = ['agents:read', 'agents:write', 'delegation:write', 'tokens:read', 'audit:read']

interface Agent {
  agentId: string
  clientId: string
  clientSecret: string
  token: string
}

describe.each(TARGETS)('delegation on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let admin: string
  let orgId: string
  let A: Agent, B: Agent, C: Agent, D: Agent, X: Agent

  const addAgent = async (organizationId: string, name: string, scopes = SCOPES): Promise<Agent> => {
    const { agentId, clientId, clientSecret } = await addAgentWithCredential(server.url, admin, organizationId, name, scopes)
    return { agentId, clientId, clientSecret, token: await http.token(clientId, clientSecret) }
  }
  const delegate = (caller: string, body: Record<string, unknown>, prefix = '') =>
    http.call('POST', `${prefix}/oauth2/token/delegate`, caller, body)
  const exchange = (subject: string, actor: Agent, extra: Record<string, string> = {}) =>
    http.form(
      '/oauth2/token',
      { grant_type: EXCHANGE, subject_token: subject, subject_token_type: JWT, actor_token: actor.token, actor_token_type: AT, ...extra },
      { id: actor.clientId, secret: actor.clientSecret },
    )
  const verify = (caller: string, delegationToken: string) =>
    http.call('POST', '/oauth2/token/verify-delegation', caller, { delegationToken })
  const introspect = (token: string) => http.form('/oauth2/introspect', { token }, { id: A.clientId, secret: A.clientSecret })

  beforeAll(async () => {
    server = await startOn(target)
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    const tenant = await provisionTenant(server.url, admin, 'deleg-org', SCOPES)
    orgId = tenant.organizationId
    A = { agentId: tenant.agentId, clientId: tenant.clientId, clientSecret: tenant.clientSecret, token: await http.token(tenant.clientId, tenant.clientSecret) }
    B = await addAgent(orgId, 'b')
    C = await addAgent(orgId, 'c')
    D = await addAgent(orgId, 'd')
    const other = await provisionTenant(server.url, admin, 'deleg-other', SCOPES)
    X = { agentId: other.agentId, clientId: other.clientId, clientSecret: other.clientSecret, token: await http.token(other.clientId, other.clientSecret) }
  })
  afterAll(async () => {
    await server.close()
  })

  it('delegates, exchanges (RFC 8693) and acts as the delegator with act = delegatee', async () => {
    const created = await delegate(A.token, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600 }, '/api/v1')
    expect(created.status).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    expect(created.body).toMatchObject({ delegatorAgentId: A.agentId, delegateeAgentId: B.agentId, scopes: ['agents:read'], maxDepth: 1, depth: 1 })
    const delegationToken = String(created.body?.['delegationToken'])
    expect(decodeJwt(delegationToken).jti).toBe(created.body?.['chainId'])

    const verdict = await http.call('POST', '/api/v1/oauth2/token/verify-delegation', B.token, { delegationToken })
    expect(verdict.status).toBe(200)
    expect(verdict.body).toMatchObject({ valid: true, chainId: created.body?.['chainId'], revokedAt: null })

    const res = await exchange(delegationToken, B)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'agents:read', issued_token_type: AT })
    const token = String(res.body?.['access_token'])
    expect(decodeJwt(token)).toMatchObject({ sub: A.agentId, act: { sub: B.agentId }, client_id: B.clientId })

    expect((await http.call('GET', `/api/v1/agents/${A.agentId}`, token)).status).toBe(200)
    // Scope is the delegated slice only.
    expect((await http.call('GET', '/api/v1/audit', token)).status).toBe(403)
    const info = await http.call('GET', '/agent-info', token)
    expect(info.body).toMatchObject({ sub: A.agentId, act: { sub: B.agentId } })
    expect((await introspect(token)).body).toMatchObject({ active: true, sub: A.agentId, act: { sub: B.agentId } })
    const discovery = await http.call('GET', '/.well-known/oauth-authorization-server')
    expect(discovery.body?.['grant_types_supported']).toContain(EXCHANGE)

    const audit = await http.call('GET', '/api/v1/audit?limit=100', A.token)
    const items = audit.body?.['items'] as { action: string; details: Record<string, unknown> }[]
    expect(items.find((e) => e.action === 'delegation.created')?.details).toMatchObject({ chainId: created.body?.['chainId'] })
    expect(items.find((e) => e.action === 'token.exchanged')?.details).toMatchObject({ act: { sub: B.agentId }, chain: [{ delegateeAgentId: B.agentId }] })
  })

  it('rejects escalation: scope not held, self, other organization, widening, foreign token, maxDepth, TTL', async () => {
    const narrow = await http.token(A.clientId, A.clientSecret, 'delegation:write')
    const notHeld = await delegate(narrow, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    expect(notHeld.status).toBe(403)
    expect(notHeld.headers.get('content-type')).toContain('application/problem+json')
    expect(notHeld.body?.['code']).toBe('INSUFFICIENT_SCOPE')
    for (const delegateeAgentId of [A.agentId, X.agentId]) {
      const res = await delegate(A.token, { delegateeAgentId, scopes: ['agents:read'], ttlSeconds: 600 })
      expect(res.status).toBe(400)
      expect(res.body?.['code']).toBe('VALIDATION_ERROR')
    }
    expect((await delegate(A.token, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600, extra: 1 })).status).toBe(400)

    const d = await delegate(A.token, { delegateeAgentId: B.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 600 })
    const token = String(d.body?.['delegationToken'])
    const widened = await exchange(token, B, { scope: 'agents:read agents:write' })
    expect(widened.status).toBe(400)
    expect(widened.body?.['error']).toBe('invalid_scope')
    const foreign = await exchange(token, C)
    expect(foreign.status).toBe(400)
    expect(foreign.body?.['error']).toBe('invalid_grant')
    const otherOrg = await exchange(token, X)
    expect(otherOrg.body?.['error']).toBe('invalid_grant')

    // maxDepth 1 (default): the delegatee cannot re-delegate.
    const asB = String((await exchange(token, B)).body?.['access_token'])
    const tooDeep = await delegate(asB, { delegateeAgentId: C.agentId, scopes: ['agents:read'], ttlSeconds: 60 })
    expect(tooDeep.status).toBe(400)
    expect(tooDeep.body?.['code']).toBe('INVALID_REQUEST')

    const deep = await delegate(A.token, { delegateeAgentId: B.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 600, maxDepth: 2 })
    const asB2 = String((await exchange(String(deep.body?.['delegationToken']), B)).body?.['access_token'])
    const longer = await delegate(asB2, { delegateeAgentId: C.agentId, scopes: ['agents:read'], ttlSeconds: 3600 })
    expect(longer.status).toBe(400)
    expect(longer.body?.['errors']).toEqual([expect.objectContaining({ field: '/ttlSeconds' })])
    const wider = await delegate(asB2, { delegateeAgentId: C.agentId, scopes: ['agents:write'], ttlSeconds: 60 })
    expect(wider.status).toBe(403)
  })

  it('verify-delegation answers 200 { valid: false } for garbage, access tokens and other organizations', async () => {
    for (const t of ['garbage', A.token]) expect((await verify(B.token, t)).body).toEqual({ valid: false, reason: 'invalid' })
    const d = await delegate(A.token, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    const res = await verify(X.token, String(d.body?.['delegationToken']))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ valid: false, reason: 'invalid' })
    expect((await http.call('POST', '/oauth2/token/verify-delegation', undefined, { delegationToken: 'x' })).status).toBe(401)
  })

  it('a three-hop chain revoked at the middle link kills the tail and its tokens but not the head', async () => {
    const d1 = await delegate(A.token, { delegateeAgentId: B.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 900, maxDepth: 3 })
    const t1 = String((await exchange(String(d1.body?.['delegationToken']), B)).body?.['access_token'])
    const d2 = await delegate(t1, { delegateeAgentId: C.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 600 })
    expect(d2.body).toMatchObject({ delegatorAgentId: B.agentId, depth: 2, parentChainId: d1.body?.['chainId'] })
    const t2 = String((await exchange(String(d2.body?.['delegationToken']), C)).body?.['access_token'])
    const d3 = await delegate(t2, { delegateeAgentId: D.agentId, scopes: ['agents:read'], ttlSeconds: 300 })
    const t3 = String((await exchange(String(d3.body?.['delegationToken']), D)).body?.['access_token'])
    expect(decodeJwt(t3)).toMatchObject({ sub: A.agentId, act: { sub: D.agentId, act: { sub: C.agentId, act: { sub: B.agentId } } } })
    expect((await http.call('GET', '/agent-info', t3)).body?.['act']).toEqual({ sub: D.agentId, act: { sub: C.agentId, act: { sub: B.agentId } } })

    expect((await http.call('DELETE', `/oauth2/token/delegate/${String(d2.body?.['chainId'])}`, X.token)).status).toBe(404)
    const revoked = await http.call('DELETE', `/api/v1/oauth2/token/delegate/${String(d2.body?.['chainId'])}`, B.token)
    expect(revoked.status).toBe(204)

    for (const t of [t2, t3]) {
      const res = await http.call('GET', `/api/v1/agents/${A.agentId}`, t)
      expect(res.status).toBe(401)
      expect((await introspect(t)).body).toEqual({ active: false })
    }
    expect((await http.call('GET', `/api/v1/agents/${A.agentId}`, t1)).status).toBe(200)
    expect((await introspect(t1)).body).toMatchObject({ active: true })
    expect((await verify(A.token, String(d1.body?.['delegationToken']))).body).toMatchObject({ valid: true })
    for (const d of [d2, d3]) {
      const res = await verify(A.token, String(d.body?.['delegationToken']))
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ valid: false, reason: 'revoked', chainId: d.body?.['chainId'] })
    }
    // Replaying the revoked chain fails.
    expect((await exchange(String(d3.body?.['delegationToken']), D)).body?.['error']).toBe('invalid_grant')
    const audit = await http.call('GET', '/api/v1/audit?action=delegation.revoked&limit=10', A.token)
    expect((audit.body?.['items'] as { details: Record<string, unknown> }[])[0]?.details).toMatchObject({
      chainId: d2.body?.['chainId'],
      revokedChainIds: [d2.body?.['chainId'], d3.body?.['chainId']],
    })
  })

  it('suspending the delegatee or decommissioning the delegator invalidates derived tokens', async () => {
    const E = await addAgent(orgId, 'e')
    const F = await addAgent(orgId, 'f')
    const d = await delegate(E.token, { delegateeAgentId: F.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    const token = String((await exchange(String(d.body?.['delegationToken']), F)).body?.['access_token'])
    expect((await http.call('GET', '/agent-info', token)).status).toBe(200)
    expect((await http.call('PATCH', `/api/v1/agents/${F.agentId}`, admin, { status: 'suspended' })).status).toBe(200)
    expect((await http.call('GET', '/agent-info', token)).status).toBe(401)
    expect((await introspect(token)).body).toEqual({ active: false })
    expect((await http.call('PATCH', `/api/v1/agents/${F.agentId}`, admin, { status: 'active' })).status).toBe(200)
    expect((await http.call('GET', '/agent-info', token)).status).toBe(200)
    expect((await http.call('DELETE', `/api/v1/agents/${E.agentId}`, admin)).status).toBe(204)
    expect((await http.call('GET', '/agent-info', token)).status).toBe(401)
  })
})
