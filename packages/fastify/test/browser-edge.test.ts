/**
 * The browser edge (SPEC §1): CORS only for listed origins, security headers on every response,
 * HSTS for an https issuer, and a strict CSP on the one HTML page, the Swagger UI — whose assets
 * still load under it.
 */
import { createIdp } from '@sentryagent/core'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { sentryAgentIdp } from '../src/index.js'
import { setup } from './helpers.js'

const ALLOWED = 'https://console.example.com'

describe('CORS', () => {
  it('answers an allowed origin’s preflight with 204 and Access-Control-Allow-*, before authentication', async () => {
    const f = await setup({ cors: { origins: [ALLOWED, 'http://localhost:5173'] }, openapi: false })
    try {
      const preflight = await f.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/agents',
        headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      })
      expect(preflight.statusCode).toBe(204)
      expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED)
      expect(preflight.headers['access-control-allow-methods']).toBe('GET, POST, PATCH, DELETE')
      expect(preflight.headers['access-control-allow-headers']).toBe('Authorization, Content-Type, X-Request-Id')
      expect(preflight.headers['access-control-max-age']).toBe('600')
      expect(preflight.headers['access-control-allow-credentials']).toBeUndefined()
      expect(preflight.headers['vary']).toMatch(/Origin/)

      // The actual request: the origin is echoed and the useful headers are exposed.
      const get = await f.app.inject({ method: 'GET', url: '/api/v1/agents', headers: { origin: ALLOWED, authorization: `Bearer ${f.adminToken}` } })
      expect(get.statusCode).toBe(200)
      expect(get.headers['access-control-allow-origin']).toBe(ALLOWED)
      expect(get.headers['access-control-expose-headers']).toContain('X-Request-Id')
      expect(get.headers['access-control-expose-headers']).toContain('RateLimit-Remaining')
    } finally {
      await f.close()
    }
  })

  it('gives any other origin no CORS header at all', async () => {
    const f = await setup({ cors: { origins: [ALLOWED] }, openapi: false })
    try {
      for (const origin of ['https://evil.example', 'https://console.example.com.evil.example', 'null', `${ALLOWED}:443`]) {
        const preflight = await f.app.inject({ method: 'OPTIONS', url: '/api/v1/agents', headers: { origin, 'access-control-request-method': 'GET' } })
        expect(preflight.statusCode, origin).toBe(404)
        expect(preflight.headers['content-type']).toMatch(/^application\/problem\+json/)
        const get = await f.app.inject({ method: 'GET', url: '/api/v1/agents', headers: { origin, authorization: `Bearer ${f.adminToken}` } })
        expect(get.statusCode).toBe(200)
        for (const res of [preflight, get]) {
          expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-')), origin).toEqual([])
        }
      }
    } finally {
      await f.close()
    }
  })

  it('is off by default: no preflight, no CORS header', async () => {
    const f = await setup({ openapi: false })
    try {
      const preflight = await f.app.inject({ method: 'OPTIONS', url: '/api/v1/agents', headers: { origin: ALLOWED, 'access-control-request-method': 'GET' } })
      expect(preflight.statusCode).toBe(404)
      const get = await f.app.inject({ method: 'GET', url: '/health', headers: { origin: ALLOWED } })
      expect(Object.keys(get.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
    } finally {
      await f.close()
    }
  })

  it('refuses anything but exact origins at registration', async () => {
    for (const origin of ['*', 'https://*.example.com', 'https://a.example/', 'https://a.example/path', 'a.example', 'ftp://a.example']) {
      await expect(setup({ cors: { origins: [origin] } }), origin).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('cors.origins') })
    }
  })
})

describe('security headers', () => {
  const expectSecurityHeaders = (headers: Record<string, unknown>) => {
    expect(headers['x-content-type-options']).toBe('nosniff')
    expect(headers['x-frame-options']).toBe('DENY')
    expect(headers['referrer-policy']).toBe('no-referrer')
    expect(headers['content-security-policy']).toBe("default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'")
    // The rest of helmet 8's set, which the binding computes once instead of running helmet per request.
    expect(headers['cross-origin-opener-policy']).toBe('same-origin')
    expect(headers['cross-origin-resource-policy']).toBe('same-origin')
    expect(headers['origin-agent-cluster']).toBe('?1')
    expect(headers['x-dns-prefetch-control']).toBe('off')
    expect(headers['x-download-options']).toBe('noopen')
    expect(headers['x-permitted-cross-domain-policies']).toBe('none')
    expect(headers['x-xss-protection']).toBe('0')
  }

  it('sends them on every response: success, 401, 404, 413, 429 and OAuth errors; no HSTS over http', async () => {
    const f = await setup({ rateLimit: { publicPerIp: { points: 1, durationSeconds: 60 } }, openapi: false })
    try {
      const responses = [
        await f.app.inject({ method: 'GET', url: '/health' }),
        await f.app.inject({ method: 'GET', url: '/api/v1/agents' }),
        await f.app.inject({ method: 'GET', url: '/nowhere' }),
        await f.app.inject({ method: 'GET', url: '/api/v1/compliance/controls' }),
        await f.app.inject({ method: 'GET', url: '/api/v1/compliance/controls' }),
        await f.app.inject({ method: 'POST', url: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' }),
        await f.app.inject({ method: 'POST', url: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `x=${'a'.repeat(70_000)}` }),
      ]
      expect(responses.map((r) => r.statusCode)).toEqual([200, 401, 404, 200, 429, 401, 413])
      for (const r of responses) {
        expectSecurityHeaders(r.headers)
        expect(r.headers['strict-transport-security']).toBeUndefined()
      }
    } finally {
      await f.close()
    }
  })

  it('adds HSTS when the issuer is https, and can be left to the host', async () => {
    const idp = createIdp({ issuer: 'https://idp.example.com' })
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp, openapi: false })
    const bare = Fastify()
    await bare.register(sentryAgentIdp, { idp: createIdp({ issuer: 'https://idp.example.com' }), openapi: false, securityHeaders: false })
    try {
      const res = await app.inject({ method: 'GET', url: '/health' })
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains')
      expectSecurityHeaders(res.headers)
      const none = await bare.inject({ method: 'GET', url: '/health' })
      expect(none.headers['x-content-type-options']).toBeUndefined()
      expect(none.headers['strict-transport-security']).toBeUndefined()
    } finally {
      await app.close()
      await bare.close()
      await idp.close()
      await bare.idp.close()
    }
  })

  it('serves the Swagger UI under a strict CSP that still lets every asset it references load', async () => {
    const f = await setup()
    try {
      const page = await f.app.inject({ method: 'GET', url: '/docs/' })
      expect(page.statusCode).toBe(200)
      expect(page.headers['content-type']).toMatch(/^text\/html/)
      const csp = String(page.headers['content-security-policy'])
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("style-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toMatch(/unsafe-(inline|eval)/)
      expect(page.headers['x-frame-options']).toBe('DENY')
      // No inline script, inline handler or inline style that the CSP would block.
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
      expect(page.body).not.toMatch(/\son[a-z]+\s*=/i)
      expect(page.body).not.toMatch(/\sstyle\s*=|<style/i)
      // Every referenced script and stylesheet is same-origin and loads.
      const refs = [...page.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '')
      expect(refs.filter((r) => r.endsWith('.js'))).toHaveLength(3)
      expect(refs.filter((r) => r.endsWith('.css')).length).toBeGreaterThanOrEqual(2)
      for (const ref of refs) {
        expect(ref, ref).not.toMatch(/^[a-z]+:|^\/\//i)
        const asset = await f.app.inject({ method: 'GET', url: new URL(ref, 'http://localhost/docs/').pathname })
        expect(asset.statusCode, ref).toBe(200)
        if (ref.endsWith('.js')) expect(asset.headers['content-type'], ref).toMatch(/javascript/)
        if (ref.endsWith('.css')) expect(asset.headers['content-type'], ref).toMatch(/text\/css/)
        expect(asset.headers['x-content-type-options']).toBe('nosniff')
      }
      // The initializer fetches the spec from this origin (connect-src 'self').
      const initializer = await f.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
      expect(initializer.body).toContain("resolveUrl('./json')")
      const spec = await f.app.inject({ method: 'GET', url: '/docs/json' })
      expect(spec.statusCode).toBe(200)
      expect(spec.json()).toMatchObject({ openapi: '3.1.0' })
    } finally {
      await f.close()
    }
  })
})
