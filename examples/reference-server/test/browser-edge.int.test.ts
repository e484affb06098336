/**
 * The browser edge of the running server (SPEC §1, issue 10), over real HTTP: CORS for the origins
 * in `CORS_ORIGINS` only, security headers on every response, and the Swagger UI at `/docs` under
 * its strict CSP with every asset it references loading.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, startOn, type Running } from './harness.js'

const target = TARGETS[0]
const CONSOLE = 'https://console.example.com'

describe.runIf(target !== undefined)('browser edge', () => {
  let server: Running

  beforeAll(async () => {
    if (target === undefined) throw new Error('no storage target')
    server = await startOn(target, { CORS_ORIGINS: `${CONSOLE},http://localhost:5173` })
  })
  afterAll(async () => server.close())

  const corsHeaders = (res: Response) => [...res.headers.keys()].filter((h) => h.startsWith('access-control-'))

  it('answers the preflight of a listed origin, and gives others no CORS header', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/api/v1/agents`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      })
    const allowed = await preflight(CONSOLE)
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(CONSOLE)
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST')
    expect(allowed.headers.get('access-control-allow-headers')).toContain('Authorization')

    const refused = await preflight('https://evil.example')
    expect(refused.status).toBe(404)
    expect(corsHeaders(refused)).toEqual([])

    const token = await api(server.url).token(ADMIN_ID, ADMIN_SECRET)
    const get = await fetch(`${server.url}/api/v1/agents`, { headers: { origin: CONSOLE, authorization: `Bearer ${token}` } })
    expect(get.status).toBe(200)
    expect(get.headers.get('access-control-allow-origin')).toBe(CONSOLE)
    const evil = await fetch(`${server.url}/api/v1/agents`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` } })
    expect(corsHeaders(evil)).toEqual([])
  })

  it('sends the security headers on JSON, errors and HTML; no HSTS over http', async () => {
    for (const path of ['/health', '/api/v1/agents', '/.well-known/jwks.json', '/docs/']) {
      const res = await fetch(`${server.url}${path}`)
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(res.headers.get('x-frame-options'), path).toBe('DENY')
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/)
      expect(res.headers.get('strict-transport-security'), path).toBeNull()
    }
  })

  it('serves /docs under a strict CSP, and every script and stylesheet it references loads from this origin', async () => {
    const page = await fetch(`${server.url}/docs/`)
    expect(page.status).toBe(200)
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toMatch(/script-src 'self'/)
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/)
    const html = await page.text()
    const refs = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '')
    expect(refs.length).toBeGreaterThanOrEqual(5)
    for (const ref of refs) {
      const url = new URL(ref, `${server.url}/docs/`)
      expect(url.origin, ref).toBe(server.url)
      const asset = await fetch(url)
      expect(asset.status, ref).toBe(200)
      expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(0)
    }
    // What the UI then fetches (connect-src 'self').
    const spec = await fetch(`${server.url}/docs/json`)
    expect(spec.status).toBe(200)
  })
})
