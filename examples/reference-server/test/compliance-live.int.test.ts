/**
 * Live compliance (SPEC §11, core) on PGlite and PostgreSQL, with the IdP's injectable clock and the
 * one job runner: before any run every control is `unknown`; a run gives every control a status,
 * evidence and SOC 2 mappings without any tenant's data; a credential expiring in 3 days is a
 * warning (report and gauge); one audit row tampered with SQL → within one job tick the chain gauge
 * is 0, IDP-AUD-01 is failing and the report names the broken event; the 121st public request in a
 * minute from one address → 429.
 */
import { PGlite } from '@electric-sql/pglite'
import { createPgliteStorage, createPostgresStorage } from '@sentryagent/adapter-postgres'
import { createIdp, createLocalKeyStore, type Idp, type Storage } from '@sentryagent/core'
import sentryAgentIdp from '@sentryagent/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DATABASE_URL, TARGETS } from './harness.js'

const H = 3_600_000
const ADMIN_SECRET = 'admin-secret-'.padEnd(48, 'x')
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

interface Db {
  storage: Storage
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

async function openDb(name: 'pglite' | 'postgres'): Promise<Db> {
  if (name === 'pglite') {
    const db = new PGlite()
    const storage = await createPgliteStorage({ pglite: db })
    return { storage, sql: async (t, p) => (await db.query<Record<string, unknown>>(t, p)).rows, close: () => db.close() }
  }
  const schema = `compliance_${randomBytes(6).toString('hex')}`
  const storage = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 4 })
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  await client.query(`set search_path to "${schema}"`)
  return {
    storage,
    sql: async (t, p) => (await client.query<Record<string, unknown>>(t, p)).rows,
    async close() {
      await client.query(`drop schema if exists "${schema}" cascade`)
      await client.end()
    },
  }
}

for (const target of TARGETS) {
  describe(`live compliance (${target.name})`, () => {
    let db: Db
    let idp: Idp
    let app: FastifyInstance
    const clock = { now: Date.now() }
    let admin: string

    beforeEach(async () => {
      clock.now = Date.now()
      db = await openDb(target.name)
      const keys = createLocalKeyStore({ storage: db.storage, masterKey: 'k'.repeat(43), clock: () => new Date(clock.now) })
      idp = createIdp({ issuer: 'http://idp.test', storage: db.storage, keys, clock: () => new Date(clock.now) })
      app = Fastify()
      await app.register(sentryAgentIdp, { idp })
      await app.ready()
      await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
      admin = await token('admin', ADMIN_SECRET)
      idp.jobs.every('core.compliance-checks', H, async (signal) => {
        await idp.compliance.runChecks({ keyRotationIntervalSeconds: 90 * 86_400 }, signal)
      })
    })
    afterEach(async () => {
      await app.close()
      await idp.close()
      await db.close()
    })

    async function token(id: string, secret: string): Promise<string> {
      const res = await app.inject({
        method: 'POST',
        url: '/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
        payload: 'grant_type=client_credentials',
      })
      return String(res.json<{ access_token: string }>().access_token)
    }
    const get = (url: string, bearer?: string, ip = '203.0.113.7') =>
      app.inject({ method: 'GET', url, remoteAddress: ip, headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } })
    const tick = async () => {
      clock.now += H
      expect(await idp.jobs.runDue()).toContain('core.compliance-checks')
    }
    type Control = { id: string; status: string; lastChecked: string | null; evidence: Record<string, unknown>; frameworks: { soc2: string[] } }
    const controls = async () => (await get('/api/v1/compliance/controls')).json<{ items: Control[] }>().items
    const control = async (id: string) => (await controls()).find((c) => c.id === id)

    async function tenant(slug: string) {
      const org = (await app.inject({ method: 'POST', url: '/api/v1/organizations', headers: { authorization: `Bearer ${admin}` }, payload: { name: slug, slug } })).json<{ organizationId: string }>()
      const agent = (
        await app.inject({
          method: 'POST',
          url: '/api/v1/agents',
          headers: { authorization: `Bearer ${admin}` },
          payload: { organizationId: org.organizationId, name: `${slug}-agent`, agentType: 'orchestrator', version: '1.0.0', capabilities: ['x:y'], owner: 'o', deploymentEnv: 'production', scopes: ['audit:read'] },
        })
      ).json<{ agentId: string }>()
      const soon = new Date(clock.now + 3 * 24 * H).toISOString()
      const cred = (
        await app.inject({ method: 'POST', url: `/api/v1/agents/${agent.agentId}/credentials`, headers: { authorization: `Bearer ${admin}` }, payload: { expiresAt: soon } })
      ).json<{ clientId: string; clientSecret: string; credentialId: string }>()
      return { ...org, ...agent, ...cred, token: () => token(cred.clientId, cred.clientSecret) }
    }

    it('controls are unknown before the first run, then live, with SOC 2 mappings and no tenant data', async () => {
      const first = await get('/api/v1/compliance/controls')
      expect(first.statusCode).toBe(200)
      expect(first.headers['cache-control']).toBe('public, max-age=60')
      for (const c of first.json<{ items: Control[] }>().items) expect(c).toMatchObject({ status: 'unknown', lastChecked: null })

      const a = await tenant('alpha')
      await tick()
      const items = await controls()
      expect(items.map((c) => c.id)).toEqual(expect.arrayContaining(['IDP-AUD-01', 'IDP-KEY-02', 'IDP-CRED-01', 'IDP-CFG-01', 'IDP-TEN-01']))
      for (const c of items) {
        expect(c.lastChecked).toBe(new Date(clock.now).toISOString())
        expect(['passing', 'failing']).toContain(c.status)
        expect(c.frameworks.soc2.length).toBeGreaterThan(0)
      }
      const soc2 = new Set(items.flatMap((c) => c.frameworks.soc2))
      for (const id of ['CC6.1', 'CC6.7', 'CC7.2', 'CC9.2', 'CC7.1']) expect(soc2.has(id)).toBe(true)
      expect(await control('IDP-AUD-01')).toMatchObject({ status: 'passing', evidence: { organizationsChecked: 2, organizationsBroken: 0 } })
      expect(await control('IDP-KEY-02')).toMatchObject({ status: 'passing', evidence: { rotationIntervalSeconds: 90 * 86_400 } })
      // http issuer: the configuration control fails and says why.
      expect(await control('IDP-CFG-01')).toMatchObject({ status: 'failing', evidence: { httpsIssuer: false } })
      // The public view names no organization, agent or credential.
      const text = JSON.stringify(items)
      for (const secret of [a.organizationId, a.agentId, a.credentialId, a.clientId]) expect(text).not.toContain(secret)
    })

    it('warns of a credential expiring in 3 days: control evidence, report and gauge', async () => {
      const a = await tenant('expiring')
      await tick()
      expect(await control('IDP-CRED-01')).toMatchObject({ status: 'passing', evidence: { expiringSoon: 1, warning: true } })
      const report = await get('/api/v1/compliance/report', await a.token())
      expect(report.statusCode).toBe(200)
      expect(report.json()).toMatchObject({
        credentials: { expiringWithinDays: 7, expiringSoon: [{ agentId: a.agentId, credentialId: a.credentialId }] },
        warnings: [expect.stringContaining('expire within 7 days')],
        agntcySpecVersion: expect.any(String),
      })
      const metrics = (await get('/metrics', await token('admin', ADMIN_SECRET))).body
      expect(metrics).toContain(`agentidp_credentials_expiring_soon{organization="${a.organizationId}"} 1`)
    })

    it('a tampered audit row: within one tick the gauge is 0, the control fails, the report names the event', async () => {
      const a = await tenant('tampered')
      await tick()
      expect((await get('/metrics', await token('admin', ADMIN_SECRET))).body).toContain(`agentidp_audit_chain_integrity{organization="${a.organizationId}"} 1`)
      const [row] = await db.sql(`select event_id from audit_events where organization_id = $1 order by seq desc limit 1`, [a.organizationId])
      const eventId = String(row?.['event_id'])
      await db.sql(`update audit_events set details = '{"tampered":true}' where event_id = $1`, [eventId])

      await tick()
      expect((await get('/metrics', await token('admin', ADMIN_SECRET))).body).toContain(`agentidp_audit_chain_integrity{organization="${a.organizationId}"} 0`)
      expect(await control('IDP-AUD-01')).toMatchObject({ status: 'failing', evidence: { organizationsBroken: 1 } })
      const report = (await get('/api/v1/compliance/report', await a.token())).json<{ auditChain: Record<string, unknown>; warnings: string[] }>()
      expect(report.auditChain).toMatchObject({ verified: false, brokenAtEventId: eventId })
      expect(report.warnings.join(' ')).toContain(eventId)
      // The public view still names nothing of the tenant.
      expect(JSON.stringify(await controls())).not.toContain(eventId)
    })

    it('limits the public controls to 120 requests a minute per address', async () => {
      for (let i = 0; i < 120; i++) expect((await get('/api/v1/compliance/controls', undefined, '198.51.100.9')).statusCode).toBe(200)
      const over = await get('/api/v1/compliance/controls', undefined, '198.51.100.9')
      expect(over.statusCode).toBe(429)
      expect(over.headers['retry-after']).toBeDefined()
      // Another address is not limited.
      expect((await get('/api/v1/compliance/controls', undefined, '198.51.100.10')).statusCode).toBe(200)
    })
  })
}
