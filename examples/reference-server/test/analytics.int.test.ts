/**
 * `@sentryagent/plugin-analytics` over HTTP on the real reference server (PGlite, and PostgreSQL
 * when reachable): installed by default; scope `analytics:read`; the caller's organization only;
 * invalid ranges → 400 problem+json; absent (404, scope not advertised) when `PLUGINS` leaves it out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

/** Polls `read` until `done` holds (the aggregates follow the log within a poll interval). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read()
    if (done(value) || i >= 100) return value
    await new Promise((r) => setTimeout(r, 100))
  }
}

const today = () => new Date().toISOString().slice(0, 10)

for (const target of TARGETS) {
  describe(`analytics plugin (${target.name})`, () => {
    let server: Running
    let http: ReturnType<typeof api>
    let admin: string

    beforeAll(async () => {
      server = await startOn(target)
      http = api(server.url)
      admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    })
    afterAll(async () => server.close())

    it('counts tokens, failed authentications and API calls of the caller’s organization only', async () => {
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['scopes_supported']).toContain('analytics:read')
      const alpha = await provisionTenant(server.url, admin, 'analytics-alpha', ['analytics:read', 'agents:read'])
      const beta = await provisionTenant(server.url, admin, 'analytics-beta', ['analytics:read'])
      const token = await http.token(alpha.clientId, alpha.clientSecret)
      await http.token(alpha.clientId, alpha.clientSecret)
      expect((await http.form('/oauth2/token', { grant_type: 'client_credentials' }, { id: alpha.clientId, secret: 'wrong' })).status).toBe(401)
      expect((await http.call('GET', `/api/v1/agents/${alpha.agentId}`, token)).status).toBe(200)

      const series = await eventually(
        () => http.call('GET', '/api/v1/analytics/tokens?days=3', token),
        (r) => (r.body?.['totals'] as Record<string, number> | undefined)?.['failedAuthentications'] === 1,
      )
      expect(series.status).toBe(200)
      expect(series.body).toMatchObject({ days: 3, to: today(), totals: { issued: 2, exchanged: 0, failedAuthentications: 1 } })
      expect((series.body?.['items'] as unknown[]).length).toBe(3)

      const usage = await eventually(
        () => http.call('GET', '/api/v1/analytics/agents/usage', token),
        (r) => ((r.body?.['items'] as { apiCalls: number }[] | undefined)?.[0]?.apiCalls ?? 0) >= 2,
      )
      expect(usage.body?.['items']).toEqual([
        expect.objectContaining({ agentId: alpha.agentId, tokensIssued: 2, failedAuthentications: 1, credentialChanges: 1, lastActiveAt: expect.any(String) }),
      ])
      const summary = await http.call('GET', '/api/v1/analytics/summary', token)
      expect(summary.body).toMatchObject({ last24Hours: { tokensIssued: 2 }, liveAgents: 1 })
      const activity = await http.call('GET', '/api/v1/analytics/agents/activity?days=7', token)
      expect(activity.body).toMatchObject({ timezone: 'UTC', days: 7 })
      expect((activity.body?.['items'] as unknown[]).length).toBe(168)

      // The other organization sees none of it.
      const betaToken = await http.token(beta.clientId, beta.clientSecret)
      const other = await http.call('GET', '/api/v1/analytics/agents/usage', betaToken)
      expect(JSON.stringify(other.body)).not.toContain(alpha.agentId)
      const otherSeries = await http.call('GET', '/api/v1/analytics/tokens', betaToken)
      expect(otherSeries.body?.['totals']).toMatchObject({ failedAuthentications: 0 })
    })

    it('refuses bad ranges with problem+json, and callers without analytics:read', async () => {
      const tenant = await provisionTenant(server.url, admin, 'analytics-ranges', ['analytics:read', 'agents:read'])
      const token = await http.token(tenant.clientId, tenant.clientSecret)
      for (const path of [
        '/api/v1/analytics/tokens?days=91',
        '/api/v1/analytics/tokens?days=0',
        '/api/v1/analytics/agents/activity?days=abc',
        '/api/v1/analytics/agents/usage?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z',
        '/api/v1/analytics/agents/usage?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z',
        '/api/v1/analytics/agents/usage?from=yesterday',
        '/api/v1/analytics/tokens?days=7&organizationId=other',
      ]) {
        const res = await http.call('GET', path, token)
        expect(res.status, path).toBe(400)
        expect(res.headers.get('content-type'), path).toContain('application/problem+json')
        expect(res.body, path).toMatchObject({ code: 'VALIDATION_ERROR' })
      }
      const narrow = await http.token(tenant.clientId, tenant.clientSecret, 'agents:read')
      expect((await http.call('GET', '/api/v1/analytics/summary', narrow)).status).toBe(403)
      expect((await http.call('GET', '/api/v1/analytics/summary')).status).toBe(401)
    })
  })
}

describe('analytics not installed', () => {
  it('answers 404 and does not advertise its scope', async () => {
    const target = TARGETS[0]
    if (target === undefined) throw new Error('no target')
    const server = await startOn(target, { PLUGINS: 'none' })
    try {
      const http = api(server.url)
      const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      expect((await http.call('GET', '/api/v1/analytics/summary', admin)).status).toBe(404)
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['scopes_supported']).not.toContain('analytics:read')
    } finally {
      await server.close()
    }
  })
})
