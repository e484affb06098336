/**
 * Bad input gets the status and error body of SPEC §1, and changes no state: the tenant's audit
 * head and agent list are identical before and after (failed client authentication appends only
 * its `auth.failed` event).
 */
import { createHmac, createPublicKey } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'
import { until } from './ops-fixtures.js'

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

describe.each(TARGETS)('bad input on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let T: Awaited<ReturnType<typeof provisionTenant>>
  let token: string

  const snapshot = async () => {
    const audit = await http.call('GET', '/api/v1/audit?limit=100', token)
    const agents = await http.call('GET', '/api/v1/agents?limit=100', token)
    const creds = await http.call('GET', `/api/v1/agents/${T.agentId}/credentials`, token)
    return { audit: audit.body?.['items'], agents: agents.body?.['items'], creds: creds.body?.['items'] }
  }

  beforeAll(async () => {
    server = await startOn(target)
    http = api(server.url)
    const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    T = await provisionTenant(server.url, admin, 'bad-input', ['agents:read', 'agents:write', 'audit:read'])
    token = await http.token(T.clientId, T.clientSecret)
  })
  afterAll(async () => {
    await server.close()
  })

  const raw = (path: string, init: RequestInit) => fetch(`${server.url}${path}`, init)
  const validAgent = { name: 'n', agentType: 'custom', version: '1.0.0', capabilities: [], owner: 'o', deploymentEnv: 'staging' }

  async function expectProblem(res: Response, status: number, code: string) {
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.headers.get('x-request-id')).toBeTruthy()
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), instance: expect.any(String) })
    return body
  }

  it('rejects REST bad input with problem+json and changes nothing', async () => {
    const before = await snapshot()
    const auth = { authorization: `Bearer ${token}` }
    await expectProblem(
      await raw('/api/v1/agents', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name": ' }),
      400,
      'INVALID_REQUEST',
    )
    const unknown = await expectProblem(
      await raw('/api/v1/agents', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ...validAgent, isAdmin: true }),
      }),
      400,
      'VALIDATION_ERROR',
    )
    expect(JSON.stringify(unknown['errors'])).toContain('isAdmin')
    const invalid = await expectProblem(
      await raw('/api/v1/agents', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ...validAgent, version: 'one', agentType: 'wizard' }),
      }),
      400,
      'VALIDATION_ERROR',
    )
    expect((invalid['errors'] as unknown[]).length).toBeGreaterThanOrEqual(2)
    await expectProblem(
      await raw('/api/v1/agents', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ...validAgent, description: 'x'.repeat(1024 * 1024 + 10) }),
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    )
    await expectProblem(
      await raw('/api/v1/agents', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'hello' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    )
    await expectProblem(
      await raw('/api/v1/agents', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ...validAgent, scopes: ['admin:orgs'] }),
      }),
      403,
      'INSUFFICIENT_SCOPE',
    )
    expect(await snapshot()).toEqual(before)
  })

  it('rejects missing, garbage, tampered, alg:none and HS256-with-public-key tokens', async () => {
    const before = await snapshot()
    const missing = await raw(`/api/v1/agents/${T.agentId}`, {})
    await expectProblem(missing.clone(), 401, 'INVALID_TOKEN')
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/)

    const [h, p, s] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
    const escalated = b64({ ...claims, scope: 'agents:read agents:write audit:read admin:orgs' })
    const jwks = (await http.call('GET', '/.well-known/jwks.json')).body as { keys: Record<string, string>[] }
    const pem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    const hsHeader = b64({ alg: 'HS256', typ: 'at+jwt', kid: jwks.keys[0]?.['kid'] })
    const hsSig = createHmac('sha256', pem).update(`${hsHeader}.${escalated}`).digest('base64url')
    const forged = [
      'not-a-jwt',
      `${h}.${escalated}.${s}`,
      `${b64({ alg: 'none', typ: 'at+jwt' })}.${escalated}.`,
      `${hsHeader}.${escalated}.${hsSig}`,
      `${h}.${p}.${s.slice(0, -4)}AAAA`,
    ]
    for (const bad of forged) {
      const res = await raw(`/api/v1/agents/${T.agentId}`, { headers: { authorization: `Bearer ${bad}` } })
      await expectProblem(res.clone(), 401, 'INVALID_TOKEN')
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
      const intro = await http.form('/oauth2/introspect', { token: bad }, { id: ADMIN_ID, secret: ADMIN_SECRET })
      expect(intro.body).toEqual({ active: false })
    }
    expect(await snapshot()).toEqual(before)
  })

  it('answers OAuth errors with RFC 6749 JSON', async () => {
    const before = await snapshot()
    const wrong = await http.form('/oauth2/token', { grant_type: 'client_credentials' }, { id: T.clientId, secret: 'wrong' })
    expect(wrong.status).toBe(401)
    expect(wrong.body?.['error']).toBe('invalid_client')
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/)
    expect(JSON.stringify(wrong.body)).not.toContain('wrong')

    const grant = await http.form('/oauth2/token', { grant_type: 'password', username: 'u', password: 'p' }, { id: T.clientId, secret: T.clientSecret })
    expect(grant.status).toBe(400)
    expect(grant.body?.['error']).toBe('unsupported_grant_type')

    const escalate = await http.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'admin:orgs' }, { id: T.clientId, secret: T.clientSecret })
    expect(escalate.status).toBe(400)
    expect(escalate.body?.['error']).toBe('invalid_scope')

    const missing = await http.form('/oauth2/token', {}, { id: T.clientId, secret: T.clientSecret })
    expect(missing.status).toBe(400)
    expect(missing.body?.['error']).toBe('invalid_request')

    const json = await raw('/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect([400, 415]).toContain(json.status)
    expect(((await json.json()) as Record<string, unknown>)['error']).toBe('invalid_request')

    // The only state change: the failed authentication was audited (after the response, so that
    // failures for known and unknown client ids take the same time).
    let after = await snapshot()
    await until(async () => {
      after = await snapshot()
      return (after.audit as unknown[]).length > (before.audit as unknown[]).length
    }, 10_000)
    const added = (after.audit as { action: string; outcome: string }[]).slice(0, 1)
    expect(added).toEqual([expect.objectContaining({ action: 'auth.failed', outcome: 'failure' })])
    expect((after.audit as unknown[]).slice(1)).toEqual(before.audit)
    expect(after.agents).toEqual(before.agents)
    expect(after.creds).toEqual(before.creds)
  })
})
