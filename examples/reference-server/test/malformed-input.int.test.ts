/**
 * The inputs of issue 10, finding 9 that answered 500 on PostgreSQL (and PGlite): NUL or lone
 * surrogates in the client id (form body, Basic header, client assertion `iss`), in names, in the
 * `q` / `owner` / `action` filters (the marketplace needs no login) and in cursors, forged cursors
 * with impossible dates, and 20-digit sequence numbers. Each answers 4xx in the endpoint's error
 * style, and nothing is written.
 *
 * @see issue 10, finding 9
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

describe.each(TARGETS)('malformed input on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let admin: string

  beforeAll(async () => {
    server = await startOn(target)
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    await provisionTenant(server.url, admin, 'malformed', ['agents:read'])
  })
  afterAll(async () => server.close())

  const auditHead = async () => (await http.call('GET', '/api/v1/audit?limit=1', admin)).body?.['items']

  async function expectOAuthError(res: Response, status: number, error: string) {
    expect(res.status).toBe(status)
    expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,128}$/)
    expect(((await res.json()) as Record<string, unknown>)['error']).toBe(error)
  }

  async function expectProblem(res: Response, context: string) {
    expect(res.status, context).toBe(400)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,128}$/)
  }

  it('client ids with NUL, lone surrogates or over 255 characters, wherever they are sent', async () => {
    const before = await auditHead()
    const token = (body: string, authorization?: string) =>
      fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
        body,
      })
    await expectOAuthError(await token('grant_type=client_credentials&client_id=a%00b&client_secret=x'), 400, 'invalid_request')
    await expectOAuthError(await token(`grant_type=client_credentials&client_id=${'x'.repeat(256)}&client_secret=x`), 400, 'invalid_request')
    await expectOAuthError(await token('grant_type=client_credentials', `Basic ${b64('a\u0000b:x')}`), 401, 'invalid_client')
    await expectOAuthError(await token('grant_type=client_credentials', `Basic ${b64('a%00b:x')}`), 401, 'invalid_client')
    await expectOAuthError(await token('grant_type=client_credentials', `Basic ${b64(`${'x'.repeat(256)}:x`)}`), 401, 'invalid_client')
    const exp = Math.floor(Date.now() / 1000) + 60
    for (const iss of ['a\u0000b', 'a\uD800b']) {
      const assertion = `${b64({ alg: 'ES256' })}.${b64({ iss, sub: iss, aud: server.url, exp, jti: 'j' })}.AAAA`
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      })
      await expectOAuthError(await token(body.toString()), 401, 'invalid_client')
    }
    const introspect = await fetch(`${server.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x&client_id=a%00b&client_secret=x',
    })
    await expectOAuthError(introspect, 400, 'invalid_request')
    expect(await auditHead()).toEqual(before)
  })

  it('names, filters and cursors with NUL or lone surrogates, forged cursors, 20-digit numbers', async () => {
    const before = await auditHead()
    const auth = { authorization: `Bearer ${admin}` }
    const json = { ...auth, 'content-type': 'application/json' }
    const agent = '{"agentType":"custom","version":"1.0.0","capabilities":[],"owner":"o","deploymentEnv":"staging","name":'
    const cursor = (position: unknown) => encodeURIComponent(b64(position))
    const requests: Array<[string, RequestInit]> = [
      ['/api/v1/agents', { method: 'POST', headers: json, body: `${agent}"a\\u0000b"}` }],
      ['/api/v1/agents', { method: 'POST', headers: json, body: `${agent}"a\\ud800b"}` }],
      ['/api/v1/organizations', { method: 'POST', headers: json, body: '{"name":"x\\udc00","slug":"nul-org"}' }],
      ['/api/v1/agents?q=a%00b', { headers: auth }],
      ['/api/v1/agents?owner=a%00b', { headers: auth }],
      ['/api/v1/audit?action=a%00b', { headers: auth }],
      ['/api/v1/marketplace/agents?q=a%00b', {}],
      [`/api/v1/marketplace/agents?cursor=${cursor(['2026-01-01T00:00:00.000Z', 'a\u0000b'])}`, {}],
      [`/api/v1/agents?cursor=${cursor(['2026-01-01T00:00:00.000Z', 'a\u0000b'])}`, { headers: auth }],
      [`/api/v1/agents?cursor=${cursor(['0000-01-01T00:00:00.000Z', 'x'])}`, { headers: auth }],
      [`/api/v1/organizations?cursor=${cursor(['-271821-04-20T00:00:00.000Z', 'x'])}`, { headers: auth }],
      [`/api/v1/audit?cursor=${cursor([99999999999999999999, 'x'])}`, { headers: auth }],
      ['/api/v1/audit/verify?from=99999999999999999999', { headers: auth }],
      ['/api/v1/audit/export?to=99999999999999999999', { headers: auth }],
      ['/api/v1/audit/checkpoints/99999999999999999999', { headers: auth }],
      ['/api/v1/audit/events/x/proof?size=99999999999999999999', { headers: auth }],
    ]
    for (const [path, init] of requests) {
      await expectProblem(await fetch(`${server.url}${path}`, init), path)
    }
    expect(await auditHead()).toEqual(before)
  })
})
