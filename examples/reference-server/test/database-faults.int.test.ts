/**
 * PostgreSQL failing under a running server process (issue 10, findings 4 and 8): backends killed
 * mid-query with `pg_terminate_backend()` during concurrent token issuance, and a network partition
 * (a proxy that stops forwarding but keeps every connection open). The server is a separate process,
 * so that a crash shows as an exit. Only this test's own backends are killed (identified by a random
 * `application_name`); the shared PostgreSQL is never stopped.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuditEvent } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, DATABASE_URL, api, provisionTenant } from './harness.js'
import { pgProxy, until } from './ops-fixtures.js'
import { spawnServer, type ServerProcess } from './processes.js'

const pgUp = await serviceReachable('postgres', async () => {
  const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  await c.connect()
  await c.end()
})

/** Limits high enough that the load below never meets a 429. */
const NO_LIMITS = { RATE_LIMIT_TOKEN_CLIENT_POINTS: '1000000', RATE_LIMIT_TOKEN_IP_POINTS: '1000000', RATE_LIMIT_REST_POINTS: '1000000' }

/** A throw-away schema and data directory; `dispose` drops both. */
async function scratch() {
  const dir = await mkdtemp(join(tmpdir(), 'agentidp-dbfault-'))
  const schema = `dbfault_${randomBytes(6).toString('hex')}`
  return {
    dir,
    schema,
    async dispose() {
      const c = new pg.Client({ connectionString: DATABASE_URL })
      await c.connect()
      await c.query(`drop schema if exists ${schema} cascade`)
      await c.end()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

interface TokenOutcome {
  status: number
  body: Record<string, unknown>
  ms: number
}

/** One `client_credentials` request, bounded so that a hang fails the test instead of stalling it. */
async function requestToken(url: string, client: { clientId: string; clientSecret: string }, timeoutMs = 30_000): Promise<TokenOutcome> {
  const started = performance.now()
  const res = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(timeoutMs),
  })
  const body = (await res.json()) as Record<string, unknown>
  return { status: res.status, body, ms: performance.now() - started }
}

const jtiOf = (accessToken: unknown) => String(JSON.parse(Buffer.from(String(accessToken).split('.')[1] ?? '', 'base64url').toString())['jti'])

/** `token.issued` jtis recorded in the organization's audit log (through the export). */
async function recordedJtis(url: string, token: string): Promise<Set<unknown>> {
  const res = await fetch(`${url}/api/v1/audit/export`, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as AuditEvent)
  return new Set(events.filter((e) => e.action === 'token.issued').map((e) => e.details['jti']))
}

const alive = (proc: ServerProcess) => proc.child.exitCode === null && proc.child.signalCode === null

describe.runIf(pgUp)('PostgreSQL backends killed mid-query', () => {
  /** @see issue 10, finding 4: `Connection terminated unexpectedly … Emitted 'error' event on Client` killed the process. */
  it('the process stays up, affected requests answer 503, the next ones succeed, nothing acknowledged is lost', async () => {
    const db = await scratch()
    const applicationName = `dbfault_${randomBytes(6).toString('hex')}`
    const proc = await spawnServer({
      ...NO_LIMITS,
      DATA_DIR: db.dir,
      DATABASE_URL: `${DATABASE_URL}?application_name=${applicationName}`,
      DATABASE_SCHEMA: db.schema,
      DATABASE_POOL_SIZE: '4',
    })
    const killer = new pg.Client({ connectionString: DATABASE_URL })
    await killer.connect()
    try {
      const admin = await api(proc.url).token(ADMIN_ID, ADMIN_SECRET)
      const tenant = await provisionTenant(proc.url, admin, 'backend-kill', ['audit:read'])
      const acknowledged: string[] = []
      const failures: TokenOutcome[] = []
      let loading = true
      const worker = async () => {
        while (loading) {
          // A transport failure (the process died, or a 30 s hang) is recorded as status 0 and fails below.
          const r = await requestToken(proc.url, tenant).catch((err: unknown): TokenOutcome => ({ status: 0, body: { error: String(err) }, ms: 0 }))
          if (r.status === 200) acknowledged.push(jtiOf(r.body['access_token']))
          else failures.push(r)
          if (r.status === 0) return
        }
      }
      const workers = Array.from({ length: 12 }, worker)
      await new Promise((r) => setTimeout(r, 300))
      // Kill every backend of this server, 25 times, while the workers keep the pool busy.
      let killed = 0
      for (let round = 0; round < 25; round++) {
        await new Promise((r) => setTimeout(r, 60))
        const res = await killer.query<{ ok: boolean }>(
          'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
          [applicationName],
        )
        killed += res.rows.filter((r) => r.ok).length
      }
      loading = false
      await Promise.all(workers)

      expect(killed).toBeGreaterThan(0)
      expect(alive(proc)).toBe(true)
      // Affected requests: 503 temporarily_unavailable, never a 500 (and never a hang: each is bounded).
      expect(failures.length).toBeGreaterThan(0)
      for (const f of failures) expect({ status: f.status, body: f.body }).toEqual({ status: 503, body: { error: 'temporarily_unavailable' } })
      expect(acknowledged.length).toBeGreaterThan(0)

      // The pool recovers on its own: the next requests succeed.
      for (let i = 0; i < 10; i++) expect((await requestToken(proc.url, tenant)).status).toBe(200)
      expect(alive(proc)).toBe(true)

      // Every token whose 200 arrived has its token.issued event, and the chain verifies.
      const auditor = await api(proc.url).token(tenant.clientId, tenant.clientSecret)
      const recorded = await recordedJtis(proc.url, auditor)
      expect(acknowledged.filter((jti) => !recorded.has(jti))).toEqual([])
      expect((await api(proc.url).call('GET', '/api/v1/audit/verify', auditor)).body).toMatchObject({ verified: true })
    } finally {
      await killer.end()
      await proc.stop('SIGKILL')
      await db.dispose()
    }
  }, 120_000)
})

describe.runIf(pgUp)('network partition to PostgreSQL (packets dropped, connections kept open)', () => {
  const QUERY_TIMEOUT_MS = 1000

  /** @see issue 10, finding 8: requests hung for the whole partition, and the pool stayed stuck afterwards. */
  it('requests answer 503 within about DATABASE_QUERY_TIMEOUT_MS, and succeed again after the partition without a restart', async () => {
    const db = await scratch()
    const proxy = await pgProxy()
    const proc = await spawnServer({
      ...NO_LIMITS,
      DATA_DIR: db.dir,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
      DATABASE_SCHEMA: db.schema,
      DATABASE_POOL_SIZE: '3',
      DATABASE_CONNECTION_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
    })
    try {
      const admin = await api(proc.url).token(ADMIN_ID, ADMIN_SECRET)
      const tenant = await provisionTenant(proc.url, admin, 'partition', ['agents:read'])
      // Warm the pool so that the partition hits open connections as well as new ones.
      await Promise.all(Array.from({ length: 6 }, () => requestToken(proc.url, tenant)))

      proxy.blackhole()
      // Functional bound, generous for a loaded CI machine: the timeout plus 5 s (never the partition's length).
      const bound = QUERY_TIMEOUT_MS + 5000
      const during = await Promise.all([
        ...Array.from({ length: 6 }, () => requestToken(proc.url, tenant, bound)),
        (async () => {
          const started = performance.now()
          const res = await fetch(`${proc.url}/api/v1/agents?limit=5`, { headers: { authorization: `Bearer ${admin}` }, signal: AbortSignal.timeout(bound) })
          return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - started }
        })(),
      ])
      for (const r of during.slice(0, 6)) expect({ status: r.status, body: r.body }).toEqual({ status: 503, body: { error: 'temporarily_unavailable' } })
      expect(during[6]).toMatchObject({ status: 503, body: { code: 'DEPENDENCY_UNAVAILABLE' } })
      for (const r of during) expect(r.ms).toBeLessThan(bound)
      // A second wave during the same partition fails just as fast (no request queues behind a hung one for long).
      for (const r of await Promise.all(Array.from({ length: 4 }, () => requestToken(proc.url, tenant, bound)))) expect(r.status).toBe(503)

      proxy.resume()
      expect(await until(async () => (await requestToken(proc.url, tenant, 5000)).status === 200, 15_000)).toBe(true)
      // No connection stays stuck on a lost reply: every request succeeds again, with the pool used in full.
      for (let i = 0; i < 3; i++) {
        for (const r of await Promise.all(Array.from({ length: 6 }, () => requestToken(proc.url, tenant, bound)))) expect(r.status).toBe(200)
      }
      expect(alive(proc)).toBe(true)
    } finally {
      await proc.stop('SIGKILL')
      await proxy.cut()
      await db.dispose()
    }
  }, 120_000)
})
