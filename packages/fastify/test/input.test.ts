/**
 * The binding's input policy, for every route (plugins' included): patterns never run on a string
 * that failed its length, NUL / lone surrogates / unsafe numbers are 400 wherever they appear, and
 * the errors Fastify raises while routing are problem+json with a SPEC §1 request id.
 *
 * @see issue 10, findings 2, 9, 10 and 15
 */
import { createIdp } from '@sentryagent/core'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createValidatorCompiler, idpServerOptions, requestIdFromHeader, sentryAgentIdp } from '../src/index.js'
import { agentBody, form, setup, type Fixture } from './helpers.js'

describe('validator compiler', () => {
  const compile = (schema: object, httpPart = 'body') => {
    const fn = createValidatorCompiler()({ schema, httpPart, method: 'POST', url: '/' }) as ((data: unknown) => boolean) & { errors?: Array<{ keyword: string; instancePath: string }> | null }
    return (data: unknown) => (fn(data) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath}:${e.keyword}`))
  }

  it('does not run a pattern on a string that failed maxLength, even with allErrors', () => {
    const check = compile({ type: 'object', properties: { a: { type: 'string', maxLength: 3, pattern: '^x+$' }, b: { type: 'string', pattern: '^y$' } } })
    expect(check({ a: 'zzzzzz', b: 'n' })).toEqual(['/a:maxLength', '/b:pattern'])
    expect(check({ a: 'zz', b: 'y' })).toEqual(['/a:pattern'])
    expect(check({ a: 'xxx', b: 'y' })).toEqual([])
    // maxLength counts code points: three emoji are three characters, and the pattern still runs.
    const emoji = compile({ type: 'string', maxLength: 3, pattern: '^\\p{Emoji}+$' })
    expect(emoji('😀😀😀')).toEqual([])
    expect(emoji('😀😀a')).toEqual([':pattern'])
    expect(emoji('😀😀😀😀')).toEqual([':maxLength'])
  })

  it('rejects NUL, lone surrogates and unsafe numbers anywhere in the validated part', () => {
    const check = compile({ type: 'object', properties: { s: { type: 'string' }, n: { type: 'integer' }, any: {} } })
    expect(check({ s: 'a\u0000b' })).toEqual(['/s:wellFormed'])
    expect(check({ s: '\uD800' })).toEqual(['/s:wellFormed'])
    expect(check({ n: 99999999999999999999 })).toEqual(['/n:wellFormed'])
    expect(check({ any: { deep: ['x', { 'k\u0000': 1 }] } })).toEqual(['/any/deep/1:wellFormed'])
    expect(check({ s: '😀', n: 9007199254740991, any: { x: [1, 'é'] } })).toEqual([])
    // Query strings are checked after coercion: a huge number is a number there too.
    const query = compile({ type: 'object', properties: { from: { type: 'integer', minimum: 1 } } }, 'querystring')
    expect(query({ from: '99999999999999999999' })).toEqual(['/from:wellFormed'])
    expect(query({ from: '12' })).toEqual([])
  })
})

describe('routes', () => {
  let f: Fixture
  beforeAll(async () => {
    f = await setup()
  })
  afterAll(async () => f.close())
  const auth = () => ({ authorization: `Bearer ${f.adminToken}` })

  it('answers 400 problem+json for NUL or lone surrogates in bodies, queries and path parameters', async () => {
    const cases = [
      { method: 'POST' as const, url: '/api/v1/agents', payload: agentBody({ name: 'a\u0000b' }) },
      { method: 'POST' as const, url: '/api/v1/agents', payload: '{"name":"a\\ud800","agentType":"custom","version":"1.0.0","capabilities":[],"owner":"o","deploymentEnv":"staging"}' },
      { method: 'GET' as const, url: '/api/v1/agents?q=a%00b' },
      { method: 'GET' as const, url: '/api/v1/agents?owner=%00' },
      { method: 'GET' as const, url: '/api/v1/marketplace/agents?q=%00' },
      { method: 'GET' as const, url: '/api/v1/audit?action=x%00' },
      { method: 'GET' as const, url: '/api/v1/audit/verify?from=99999999999999999999' },
      { method: 'GET' as const, url: '/api/v1/audit/checkpoints/99999999999999999999' },
      { method: 'GET' as const, url: '/api/v1/agents/a%00b' },
    ]
    for (const c of cases) {
      const res = await f.app.inject({ ...c, headers: { ...auth(), ...(c.payload === undefined ? {} : { 'content-type': 'application/json' }) } })
      expect(res.statusCode, c.url).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' })
    }
  })

  it('answers invalid_request for NUL in an OAuth form parameter', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ grant_type: 'client_credentials', client_id: 'a\u0000b', client_secret: 's' }),
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request' })
  })
})

describe('server options', () => {
  const build = async () => {
    const idp = createIdp({ issuer: 'http://localhost' })
    let n = 0
    const app = Fastify(idpServerOptions(() => `gen-${n++}`))
    await app.register(sentryAgentIdp, { idp })
    await app.ready()
    return { app, close: async () => { await app.close(); await idp.close() } }
  }

  it('keeps a well-formed client X-Request-Id and replaces any other', async () => {
    const { app, close } = await build()
    try {
      const id = async (value?: string) => (await app.inject({ url: '/health', headers: value === undefined ? {} : { 'x-request-id': value } })).headers['x-request-id']
      expect(await id('abc.DEF-1_2')).toBe('abc.DEF-1_2')
      expect(await id('a'.repeat(128))).toBe('a'.repeat(128))
      for (const bad of ['<script>alert(1)</script>', 'a'.repeat(129), 'a b', 'x'.repeat(8000), '']) {
        expect(await id(bad)).toMatch(/^gen-\d+$/)
      }
      expect(await id()).toMatch(/^gen-\d+$/)
      expect(requestIdFromHeader(() => 'g')({ headers: { 'x-request-id': ['a', 'b'] } })).toBe('g')
    } finally {
      await close()
    }
  })

  it('renders malformed URLs (400) and over-long path parameters (414) as problem+json with X-Request-Id', async () => {
    const { app, close } = await build()
    try {
      const bad = await app.inject({ url: '/api/v1/agents/%ZZ?access_token=secret' })
      expect(bad.statusCode).toBe(400)
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(bad.headers['x-request-id']).toMatch(/^gen-\d+$/)
      expect(bad.json()).toMatchObject({ status: 400, code: 'INVALID_REQUEST', instance: '/api/v1/agents/%ZZ', requestId: bad.headers['x-request-id'] })
      expect(bad.body).not.toContain('secret')

      const long = await app.inject({ url: `/api/v1/agents/${'a'.repeat(300)}`, headers: { 'x-request-id': 'mine' } })
      expect(long.statusCode).toBe(414)
      expect(long.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(long.headers['x-request-id']).toBe('mine')
      expect(long.json()).toMatchObject({ status: 414, code: 'URI_TOO_LONG', requestId: 'mine' })
    } finally {
      await close()
    }
  })
})
