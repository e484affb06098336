/**
 * The billing plugin's daily limits with an injected clock: the 1,000th API call of a free
 * organization passes and the 1,001st is 429 `TIER_LIMIT_EXCEEDED` with `Retry-After` to UTC
 * midnight and `RateLimit-*` of the daily window; crossing midnight resets; two servers on one
 * PostgreSQL + Redis share the counters; the token limit; enforcement off; the flush of the
 * counters into the durable usage rows; and Redis stopped → the configured fail mode, never 500.
 */
import { randomBytes } from 'node:crypto'
import { serviceReachable } from '@sentryagent/core/testing'
import type { BillingPlugin } from '@sentryagent/plugin-billing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { billingEntry, testClock } from './billing-fixtures.js'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startServer, type Running } from './harness.js'
import { REDIS_URL, privateRedis, probeRedis, redisServerInstalled } from './ops-fixtures.js'

const redisUp = await serviceReachable('redis', probeRedis)
const LIMITS = { RATE_LIMIT_REST_POINTS: '100000', RATE_LIMIT_TOKEN_CLIENT_POINTS: '100000', RATE_LIMIT_TOKEN_IP_POINTS: '100000' }

/** `n` calls of `call`, 25 at a time; resolves with the statuses. */
async function burst(n: number, call: (i: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < n; i += 25) statuses.push(...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, j) => call(i + j)))))
  return statuses
}

describe.each(TARGETS)('daily plan limits on $name', (target) => {
  const clock = testClock('2026-06-15T23:50:00.000Z')
  const plugins: BillingPlugin[] = []
  let db: Awaited<ReturnType<typeof target.create>>
  let a: Running
  let b: Running
  const shared = target.name === 'postgres' && redisUp

  beforeAll(async () => {
    db = await target.create()
    const env = { ...db.env, ...LIMITS, PLUGINS: 'billing', ...(shared ? { REDIS_URL, REDIS_KEY_PREFIX: `bill:${randomBytes(4).toString('hex')}:` } : {}) }
    a = await startServer(env, { knownPlugins: billingEntry(clock, plugins) })
    // A second server on the same database and Redis (PostgreSQL only: PGlite is single-process).
    b = shared ? await startServer({ ...env, ISSUER: a.url }, { knownPlugins: billingEntry(clock, plugins) }) : a
  }, 120_000)
  afterAll(async () => {
    if (b !== a) await b?.close()
    await a?.close()
    await db?.dispose()
  })

  it('admits the 1,000th call, refuses the 1,001st until UTC midnight, then resets', async () => {
    const http = api(a.url)
    const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, `limits-${target.name}`, ['agents:read', 'billing:read'])
    const token = await http.token(t.clientId, t.clientSecret)
    const servers = [api(a.url), api(b.url)]
    const statuses = await burst(1000, async (i) => (await servers[i % 2]!.call('GET', '/api/v1/agents?limit=1', token)).status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1000)
    for (const server of servers) {
      const refused = await server.call('GET', '/api/v1/agents?limit=1', token)
      expect(refused.status).toBe(429)
      expect(refused.body).toMatchObject({ code: 'TIER_LIMIT_EXCEEDED', status: 429 })
      expect(refused.headers.get('retry-after')).toBe('600')
      expect(refused.headers.get('ratelimit-limit')).toBe('1000')
      expect(refused.headers.get('ratelimit-remaining')).toBe('0')
      expect(refused.headers.get('ratelimit-reset')).toBe('600')
    }
    // Its own routes stay reachable over the limit (status, upgrade).
    const status = await http.call('GET', '/api/v1/tiers/status', token)
    expect(status.status).toBe(200)
    expect(status.body).toMatchObject({ tier: 'free', usage: { apiCallsToday: 1000 }, day: '2026-06-15', resetsAt: '2026-06-16T00:00:00.000Z' })

    // The flush job writes the counter into the durable day row.
    await plugins[0]!.runtime().flushCounters()
    const usage = await http.call('GET', '/api/v1/billing/usage?from=2026-06-15&to=2026-06-15', token)
    expect(usage.body).toMatchObject({ items: [{ day: '2026-06-15', apiCalls: 1000 }] })

    clock.set('2026-06-16T00:00:01.000Z')
    expect((await servers[1]!.call('GET', '/api/v1/agents?limit=1', token)).status).toBe(200)
    expect((await http.call('GET', '/api/v1/tiers/status', token)).body).toMatchObject({ day: '2026-06-16', usage: { apiCallsToday: 1 } })
    clock.set('2026-06-15T23:50:00.000Z')
  }, 120_000)

  it('refuses the 1,001st token of the day with 429 (OAuth JSON) and counts tokens in the usage rows', async () => {
    const http = api(a.url)
    const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, `tokens-${target.name}`, ['agents:read', 'billing:read'])
    const servers = [api(a.url), api(b.url)]
    const auth = { id: t.clientId, secret: t.clientSecret }
    const statuses = await burst(1000, async (i) => (await servers[i % 2]!.form('/oauth2/token', { grant_type: 'client_credentials' }, auth)).status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1000)
    const refused = await http.form('/oauth2/token', { grant_type: 'client_credentials' }, auth)
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ error: 'invalid_request' })
    expect(refused.headers.get('retry-after')).toBe('600')
    // The audit outbox feeds the durable rows. Audit events carry the IdP's (real) clock, so their
    // day is today's real UTC day, not the injected billing day.
    const statusToken = await http.token(t.clientId, t.clientSecret).catch(() => undefined)
    expect(statusToken).toBeUndefined() // still over the limit
    clock.set('2026-06-16T00:00:05.000Z')
    const fresh = await http.token(t.clientId, t.clientSecret)
    for (const p of plugins) await p.runtime().usageConsumer.drain()
    const today = new Date().toISOString().slice(0, 10)
    const usage = await http.call('GET', `/api/v1/billing/usage?from=${today}&to=${today}`, fresh)
    const rows = usage.body?.['items'] as { day: string; tokensIssued: number; agentsCreated: number; credentialsIssued: number }[]
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ day: today, tokensIssued: 1001, agentsCreated: 1, credentialsIssued: 1 })
    clock.set('2026-06-15T23:50:00.000Z')
  }, 400_000)
})

describe('enforcement off (TIER_ENFORCEMENT=false)', () => {
  const target = TARGETS[0]!
  let server: Running
  let db: Awaited<ReturnType<typeof target.create>>
  const clock = testClock('2026-06-15T12:00:00.000Z')
  beforeAll(async () => {
    db = await target.create()
    server = await startServer({ ...db.env, ...LIMITS, PLUGINS: 'billing', TIER_ENFORCEMENT: 'false' }, { knownPlugins: billingEntry(clock) })
  })
  afterAll(async () => {
    await server?.close()
    await db?.dispose()
  })

  it('refuses nothing (no 429, no agent cap) while usage still rises', async () => {
    const http = api(server.url)
    const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(server.url, admin, 'unenforced', ['agents:read', 'agents:write', 'billing:read'])
    const token = await http.token(t.clientId, t.clientSecret)
    const statuses = await burst(1005, async () => (await http.call('GET', '/api/v1/agents?limit=1', token)).status)
    expect(statuses.every((s) => s === 200)).toBe(true)
    for (let i = 0; i < 10; i++) {
      const res = await http.call('POST', '/api/v1/agents', token, { name: `free-${i}`, agentType: 'custom', version: '1.0.0', capabilities: ['docs:read'], owner: 'x', deploymentEnv: 'production', scopes: [] })
      expect(res.status).toBe(201)
    }
    const status = await http.call('GET', '/api/v1/tiers/status', token)
    expect(status.body).toMatchObject({ tier: 'free', enforcement: false, usage: { agents: 11, apiCallsToday: 1015 } })
  }, 120_000)
})

describe.runIf(redisServerInstalled)('Redis stopped: the daily limits follow RATE_LIMIT_FAIL_MODE', () => {
  for (const mode of ['closed', 'open', 'insurance'] as const) {
    it(`${mode}: never 500`, async () => {
      const redis = await privateRedis()
      const target = TARGETS[0]!
      const db = await target.create()
      const server = await startServer({ ...db.env, PLUGINS: 'billing', REDIS_URL: redis.url, RATE_LIMIT_FAIL_MODE: mode, RATE_LIMIT_ENABLED: 'false' }, { knownPlugins: billingEntry() })
      try {
        const http = api(server.url)
        const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
        const t = await provisionTenant(server.url, admin, `failmode-${mode}`, ['agents:read'])
        const token = await http.token(t.clientId, t.clientSecret)
        expect((await http.call('GET', '/api/v1/agents', token)).status).toBe(200)
        await redis.stop()
        const during = await http.call('GET', '/api/v1/agents', token)
        if (mode === 'closed') {
          expect(during.status).toBe(503)
          expect(during.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' })
        } else {
          expect(during.status).toBe(200)
        }
      } finally {
        await server.close()
        await redis.stop()
        await db.dispose()
      }
    }, 60_000)
  }
})
