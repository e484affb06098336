import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentBody, basic, form, setup, type Fixture } from './helpers.js'

let f: Fixture
beforeAll(async () => {
  f = await setup()
})
afterAll(async () => f.close())

const auth = () => ({ authorization: `Bearer ${f.adminToken}` })

describe('REST error shapes (problem+json)', () => {
  it('malformed JSON → 400 INVALID_REQUEST', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload: '{"name": ',
    })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({ status: 400, code: 'INVALID_REQUEST', instance: '/api/v1/agents' })
  })

  it('empty JSON body → 400', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: { ...auth(), 'content-type': 'application/json' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toMatch(/^(INVALID_REQUEST|VALIDATION_ERROR)$/)
  })

  it('unknown field → 400 VALIDATION_ERROR listing it', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: auth(),
      payload: agentBody({ colour: 'blue' }),
    })
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.code).toBe('VALIDATION_ERROR')
    expect(body.errors).toContainEqual({ field: '/colour', message: 'unknown field' })
  })

  it('lists every offending field', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: auth(),
      payload: { name: '', agentType: 'wizard', version: 'one', capabilities: 'x', extra: 1 },
    })
    expect(res.statusCode).toBe(400)
    const fields = (res.json().errors as { field: string; message: string }[]).map((e) => e.field)
    for (const field of ['/name', '/agentType', '/version', '/capabilities', '/owner', '/deploymentEnv', '/extra']) {
      expect(fields).toContain(field)
    }
    const agentType = (res.json().errors as { field: string; message: string }[]).find((e) => e.field === '/agentType')
    expect(agentType?.message).toMatch(/^must be one of "screener"/)
  })

  it('invalid query parameter → 400 VALIDATION_ERROR', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/agents?limit=1000&bogus=1', headers: auth() })
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.code).toBe('VALIDATION_ERROR')
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['/limit', '/bogus']))
  })

  it('body over 1 MiB → 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ ...agentBody(), description: 'a'.repeat(1_100_000) }),
    })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 })
  })

  it('wrong content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: { ...auth(), 'content-type': 'text/xml' },
      payload: '<agent/>',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE')
  })

  it('missing bearer → 401 INVALID_TOKEN with WWW-Authenticate: Bearer', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/agents' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
    expect(res.json()).toMatchObject({ code: 'INVALID_TOKEN', status: 401 })
  })

  it('garbage bearer → 401 with error="invalid_token"', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/agents', headers: { authorization: 'Bearer abc.def.ghi' } })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/)
    expect(res.json().code).toBe('INVALID_TOKEN')
  })

  it('unknown route → 404 problem+json NOT_FOUND (not 401)', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/nope?secret=1' })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', status: 404, instance: '/api/v1/nope' })
  })

  it('unknown id → 404 NOT_FOUND', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/agents/does-not-exist', headers: auth() })
    expect(res.statusCode).toBe(404)
    expect(res.json().code).toBe('NOT_FOUND')
  })

  it('every response carries X-Request-Id, echoing the caller’s', async () => {
    const a = await f.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'req-123' } })
    expect(a.headers['x-request-id']).toBe('req-123')
    const b = await f.app.inject({ method: 'GET', url: '/api/v1/agents' })
    expect(b.headers['x-request-id']).toEqual(expect.any(String))
    expect(b.json().requestId).toBe(b.headers['x-request-id'])
    const c = await f.app.inject({ method: 'GET', url: '/nowhere' })
    expect(c.headers['x-request-id']).toEqual(expect.any(String))
  })
})

describe('OAuth error shapes (RFC 6749 §5.2)', () => {
  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    f.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload,
    })

  it('wrong client secret → 401 invalid_client with WWW-Authenticate', async () => {
    const res = await post('/oauth2/token', form({ grant_type: 'client_credentials' }), {
      authorization: basic('admin', 'y'.repeat(43)),
    })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ error: 'invalid_client' })
    expect(res.headers['www-authenticate']).toMatch(/^Basic/)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('unknown grant_type → 400 unsupported_grant_type', async () => {
    const res = await post('/oauth2/token', form({ grant_type: 'password' }), { authorization: basic('admin', 'x'.repeat(43)) })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('unsupported_grant_type')
  })

  it('JSON body → 415 invalid_request', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/json' },
      payload: { grant_type: 'client_credentials' },
    })
    expect(res.statusCode).toBe(415)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json().error).toBe('invalid_request')
  })

  it('/agent-info without a token → oauth-style invalid_token', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/agent-info', headers: { authorization: 'Bearer nope' } })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ error: 'invalid_token' })
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/)
  })
})
