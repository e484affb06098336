/**
 * The outbox consumer and the queries, against the audit log itself. Events are generated with the
 * IdP's injectable clock across UTC days and hours in two organizations; every endpoint's figures
 * are compared with a brute-force count over the stored events (plain SQL over `audit_events` on
 * PGlite and PostgreSQL). Then: a crash in the middle of a batch (the transaction aborts after the
 * aggregates were written) leaves no trace and the retry counts exactly; two processes aggregating
 * the same log at once count exactly; the first start backfills an existing log.
 */
import { createIdp, createLocalKeyStore, type Idp, type RequestContext, type Storage } from '@sentryagent/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAnalyticsPlugin, createAnalyticsService } from '../src/index.js'
import { TARGETS, type TargetInstance } from './targets.js'

const ADMIN_SECRET = 'admin-secret-'.padEnd(48, 'x')
const H = 3_600_000
const D = 24 * H
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`
const COUNTED = ['token.issued', 'token.exchanged', 'auth.failed', 'delegation.created', 'credential.generated', 'credential.rotated', 'credential.revoked']
const ACTIVE = new Set(['token.issued', 'token.exchanged', 'delegation.created', 'credential.generated', 'credential.rotated', 'credential.revoked'])

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Ev {
  action: string
  agentId: string | null
  at: Date
  organizationId?: string
}

interface World {
  idp: Idp
  plugin: ReturnType<typeof createAnalyticsPlugin>
  clock: { now: number }
  orgs: { organizationId: string; agents: { agentId: string; clientId: string; secret: string; credentialId: string }[]; ctx: RequestContext }[]
  /** API calls made through `idp.beforeRequest`, per organization: the test's own tally. */
  apiCalls: Ev[]
  admin: RequestContext
}

async function tokenFor(idp: Idp, clientId: string, secret: string) {
  return (await idp.oauth.token({ params: { grant_type: 'client_credentials' }, authorization: basic(clientId, secret) })).access_token
}

/** Builds an IdP with the analytics plugin on `storage`, its clock at `clock.now`. */
const MASTER_KEY = 'm'.repeat(43)

/** An IdP on `storage` (with the analytics plugin unless `analytics` is false), its clock at `clock.now`. */
function idpOn(storage: Storage, clock: { now: number }, analytics = true) {
  const plugin = createAnalyticsPlugin({ pollIntervalMs: 3_600_000 })
  const keys = createLocalKeyStore({ storage, masterKey: MASTER_KEY, clock: () => new Date(clock.now) })
  const idp = createIdp({ issuer: 'http://idp.test', storage, keys, clock: () => new Date(clock.now), extensions: analytics ? [plugin.extension] : [] })
  return { idp, plugin }
}

async function world(storage: Storage, start: number, analytics = true): Promise<World> {
  const clock = { now: start }
  const { idp, plugin } = idpOn(storage, clock, analytics)
  await idp.ready()
  await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
  const admin = { auth: await idp.authenticate(await tokenFor(idp, 'admin', ADMIN_SECRET)) }
  const orgs: World['orgs'] = []
  for (const slug of ['alpha', 'beta']) {
    const org = await idp.organizations.create(admin, { name: slug, slug })
    const agents = []
    for (const name of ['one', 'two', 'three']) {
      const agent = await idp.agents.register(admin, {
        name: `${slug}-${name}`,
        agentType: 'orchestrator',
        version: '1.0.0',
        capabilities: ['documents:read'],
        owner: 'team',
        deploymentEnv: 'production',
        organizationId: org.organizationId,
        scopes: analytics ? ['agents:read', 'analytics:read'] : ['agents:read'],
      })
      const cred = await idp.credentials.generate(admin, agent.agentId, {})
      agents.push({ agentId: agent.agentId, clientId: cred.clientId, secret: cred.clientSecret, credentialId: cred.credentialId })
    }
    const first = agents[0]
    if (first === undefined) throw new Error('no agent')
    orgs.push({ organizationId: org.organizationId, agents, ctx: { auth: await idp.authenticate(await tokenFor(idp, first.clientId, first.secret)) } })
  }
  return { idp, plugin, clock, orgs, apiCalls: [], admin }
}

/** `n` random operations, the clock moving forward 1–150 minutes before each. */
async function generate(w: World, n: number, seed: number, options: { apiCalls?: boolean } = {}): Promise<void> {
  const rnd = random(seed)
  for (let i = 0; i < n; i++) {
    w.clock.now += Math.floor(1 + rnd() * 150) * 60_000
    const org = w.orgs[Math.floor(rnd() * w.orgs.length)]
    const agent = org?.agents[Math.floor(rnd() * org.agents.length)]
    if (org === undefined || agent === undefined) continue
    const r = rnd()
    if (r < 0.45) {
      await tokenFor(w.idp, agent.clientId, agent.secret)
    } else if (r < 0.6) {
      await tokenFor(w.idp, agent.clientId, 'wrong-secret').catch(() => undefined)
    } else if (r < 0.65) {
      const rotated = await w.idp.credentials.rotate(w.admin, agent.agentId, agent.credentialId)
      agent.secret = rotated.clientSecret
    } else if (options.apiCalls !== false) {
      // An authenticated REST request as the binding reports it: counted by the beforeRequest hook.
      const ctx = { auth: await w.idp.authenticate(await tokenFor(w.idp, agent.clientId, agent.secret)) }
      await w.idp.beforeRequest(ctx, { method: 'GET', route: '/api/v1/agents' })
      w.apiCalls.push({ action: 'api.call', agentId: agent.agentId, at: new Date(w.clock.now), organizationId: org.organizationId })
    }
  }
}

/** Every counted event of `organizationId`, read back from the stored log (SQL where there is SQL). */
async function storedEvents(db: TargetInstance, w: World, organizationId: string): Promise<Ev[]> {
  if (db.sql !== null) {
    const rows = await db.sql<{ action: string; agent_id: string | null; occurred_at: Date | string }>(
      `select action, agent_id, occurred_at from audit_events where organization_id = $1 and action = any($2) order by seq`,
      [organizationId, COUNTED],
    )
    return rows.map((r) => ({ action: r.action, agentId: r.agent_id, at: new Date(r.occurred_at) }))
  }
  const ctx = { ...w.admin, auth: { ...w.admin.auth, organizationId } }
  const out: Ev[] = []
  for await (const e of w.idp.audit.export(ctx, {})) if (COUNTED.includes(e.action)) out.push({ action: e.action, agentId: e.agentId ?? null, at: new Date(e.timestamp) })
  return out
}

const day = (d: Date) => d.toISOString().slice(0, 10)

/** The brute-force expectation of every endpoint for one organization. */
function expected(events: Ev[], apiCalls: Ev[], now: Date, days: number) {
  const to = Math.floor(now.getTime() / D) * D + D
  const from = to - days * D
  const inRange = (e: Ev) => e.at.getTime() >= from && e.at.getTime() < to
  const series = Array.from({ length: days }, (_, i) => ({ date: day(new Date(from + i * D)), issued: 0, exchanged: 0, failedAuthentications: 0 }))
  const cells = new Array<number>(168).fill(0)
  for (const e of [...events, ...apiCalls].filter(inRange)) {
    const item = series[Math.floor((e.at.getTime() - from) / D)]!
    if (e.action === 'token.issued') item.issued++
    if (e.action === 'token.exchanged') item.exchanged++
    if (e.action === 'auth.failed') item.failedAuthentications++
    if (ACTIVE.has(e.action) || e.action === 'api.call') cells[e.at.getUTCDay() * 24 + e.at.getUTCHours()]!++
  }
  const usage = new Map<string, { tokensIssued: number; apiCalls: number; failedAuthentications: number; credentialChanges: number; last: number }>()
  for (const e of [...events, ...apiCalls]) {
    if (e.agentId === null) continue
    const u = usage.get(e.agentId) ?? { tokensIssued: 0, apiCalls: 0, failedAuthentications: 0, credentialChanges: 0, last: 0 }
    if (e.action === 'token.issued') u.tokensIssued++
    if (e.action === 'api.call') u.apiCalls++
    if (e.action === 'auth.failed') u.failedAuthentications++
    if (e.action.startsWith('credential.')) u.credentialChanges++
    if (e.action !== 'auth.failed') u.last = Math.max(u.last, e.at.getTime())
    usage.set(e.agentId, u)
  }
  return { series, cells, usage }
}

for (const target of TARGETS) {
  describe(`analytics aggregation (${target.name})`, () => {
    let db: TargetInstance
    // Four and a half days before now, at 20:00 UTC: the generated log crosses several UTC midnights.
    const start = Math.floor(Date.now() / D) * D - 5 * D + 20 * H

    let w: World | undefined
    beforeEach(async () => {
      db = await target.create()
      w = undefined
    })
    afterEach(async () => {
      await w?.idp.close()
      await db.teardown()
    })

    async function started(): Promise<World> {
      w = await world(db.storage, start)
      return w
    }

    async function compare(world: World, idp: Idp = world.idp) {
      const service = createAnalyticsService({ storage: db.storage, clock: () => new Date(world.clock.now) })
      const now = new Date(world.clock.now)
      for (const org of world.orgs) {
        const events = await storedEvents(db, world, org.organizationId)
        const apiCalls = world.apiCalls.filter((e) => e.organizationId === org.organizationId)
        const exp = expected(events, apiCalls, now, 7)
        const tokens = await service.tokens(org.ctx, { days: 7 })
        expect(tokens.items).toEqual(exp.series)
        expect(tokens.totals.issued).toBe(exp.series.reduce((n, s) => n + s.issued, 0))
        const activity = await service.activity(org.ctx, { days: 7 })
        expect(activity.items.map((c) => c.count)).toEqual(exp.cells)
        const usage = await service.usage(org.ctx, { from: new Date(start - D).toISOString(), to: new Date(world.clock.now + H).toISOString(), limit: 1000 })
        const got = new Map(usage.items.map((u) => [u.agentId, u]))
        expect(usage.agents).toBe(exp.usage.size)
        for (const [agentId, u] of exp.usage) {
          expect(got.get(agentId)).toMatchObject({
            tokensIssued: u.tokensIssued,
            apiCalls: u.apiCalls,
            failedAuthentications: u.failedAuthentications,
            credentialChanges: u.credentialChanges,
            lastActiveAt: u.last === 0 ? null : new Date(u.last).toISOString(),
          })
        }
        // Every agent listed belongs to this organization: nothing of the other leaks.
        const own = new Set(org.agents.map((a) => a.agentId))
        for (const u of usage.items) expect(own.has(u.agentId)).toBe(true)
      }
      void idp
    }

    it('counts every endpoint exactly as a brute-force count over the stored log', async () => {
      const w = await started()
      await generate(w, 120, 7)
      await w.plugin.drain()
      await compare(w)
      if (db.sql !== null) {
        // The daily series literally as SQL over audit_events computes it.
        const org = w.orgs[0]!
        const rows = await db.sql<{ d: string; n: number }>(
          `select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as d, count(*)::int as n from audit_events
           where organization_id = $1 and action = 'token.issued' group by 1 order by 1`,
          [org.organizationId],
        )
        const service = createAnalyticsService({ storage: db.storage, clock: () => new Date(w.clock.now) })
        const series = await service.tokens(org.ctx, { days: 14 })
        expect(series.items.filter((i) => i.issued > 0).map((i) => ({ d: i.date, n: i.issued }))).toEqual(rows)
      }
    })

    it('zero-fills days across UTC midnight and answers only the caller’s organization', async () => {
      const w = await started()
      // One token at 23:59:59.999 and one at 00:00 the next day.
      const [alpha, beta] = w.orgs
      const a = alpha!.agents[0]!
      // Two days after the set-up (whose own events are on the first day).
      const midnight = Math.floor(w.clock.now / D) * D + 2 * D
      w.clock.now = midnight - 1
      await tokenFor(w.idp, a.clientId, a.secret)
      w.clock.now = midnight
      await tokenFor(w.idp, a.clientId, a.secret)
      w.clock.now = midnight + 2 * D + 5 * H
      await w.plugin.drain()
      const service = createAnalyticsService({ storage: db.storage, clock: () => new Date(w.clock.now) })
      const series = await service.tokens(alpha!.ctx, { days: 4 })
      expect(series.items.map((i) => [i.date, i.issued])).toEqual([
        [day(new Date(midnight - D)), 1],
        [day(new Date(midnight)), 1],
        [day(new Date(midnight + D)), 0],
        [day(new Date(midnight + 2 * D)), 0],
      ])
      expect(series).toMatchObject({ from: day(new Date(midnight - D)), to: day(new Date(midnight + 2 * D)), days: 4 })
      // beta never issued in that window: the figures of alpha are not its own.
      const other = await service.tokens(beta!.ctx, { days: 4 })
      expect(other.totals.issued).toBe(0)
      const usage = await service.usage(beta!.ctx, {})
      expect(usage.items.some((u) => u.agentId === a.agentId)).toBe(false)
      await expect(service.tokens(alpha!.ctx, { days: 91 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' })
      await expect(service.usage(alpha!.ctx, { from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' })
      await expect(service.usage(alpha!.ctx, { from: '2026-01-01T00:00:00Z', to: '2026-04-02T00:00:00Z' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' })
    })

    it('sums up the dashboard', async () => {
      const w = await started()
      await generate(w, 60, 11)
      await w.plugin.drain()
      const org = w.orgs[0]!
      const service = createAnalyticsService({ storage: db.storage, clock: () => new Date(w.clock.now) })
      const summary = await service.summary(org.ctx)
      const events = await storedEvents(db, w, org.organizationId)
      const end = Math.floor(w.clock.now / H) * H + H
      const since = (ms: number) => events.filter((e) => e.at.getTime() >= end - ms && e.action === 'token.issued').length
      expect(summary.last24Hours.tokensIssued).toBe(since(D))
      expect(summary.last30Days.tokensIssued).toBe(since(30 * D))
      expect(summary.liveAgents).toBe(3)
      expect(summary.activeAgents.last30Days).toBeLessThanOrEqual(3)
    })

    it('the day never exceeds the month when the aggregator commits while the dashboard reads', async () => {
      const w = await started()
      await generate(w, 30, 5)
      await w.plugin.drain()
      const org = w.orgs[0]!
      const a = org.agents[0]!
      // The aggregator commits new tokens right after the dashboard's first read of the aggregates.
      let raced = false
      const end = Math.floor(w.clock.now / H) * H + H
      // The log as the dashboard's first read sees it (the racing tokens come after).
      const events = await storedEvents(db, w, org.organizationId)
      const ext = (id: string) => {
        const repo = (db.storage.ext as (id: string) => Record<string, unknown>)(id)
        return new Proxy(repo, {
          get(r, name) {
            const fn = r[name as string]
            if (typeof fn !== 'function') return fn
            return async (...args: unknown[]) => {
              const result = (await (fn as (...a: unknown[]) => Promise<unknown>).apply(r, args)) as unknown
              if (!raced) {
                raced = true
                for (let i = 0; i < 3; i++) await tokenFor(w.idp, a.clientId, a.secret)
                await w.plugin.drain()
              }
              return result
            }
          },
        })
      }
      // The storage (frozen) as the prototype of one whose `ext` hands out the racing repositories.
      const racing = Object.create(db.storage, { ext: { value: ext } }) as Storage
      const summary = await createAnalyticsService({ storage: racing, clock: () => new Date(w.clock.now) }).summary(org.ctx)
      expect(raced).toBe(true)
      // Both windows are one snapshot, taken before the racing tokens.
      const between = (from: number, to: number) => events.filter((e) => e.action === 'token.issued' && e.at.getTime() >= from && e.at.getTime() < to).length
      expect(summary.last30Days.tokensIssued - summary.last24Hours.tokensIssued).toBe(between(end - 30 * D, end - D))
      expect(summary.last24Hours.tokensIssued).toBe(between(end - D, end))
      for (const [field, day] of Object.entries(summary.last24Hours)) {
        expect(day, field).toBeLessThanOrEqual(summary.last30Days[field as keyof typeof summary.last30Days])
      }
      expect(summary.activeAgents.last24Hours).toBeLessThanOrEqual(summary.activeAgents.last30Days)
    })

    if (target.name !== 'memory') {
      it('a crash in the middle of a batch leaves no trace; the retry counts exactly once', async () => {
        const w = await started()
        await generate(w, 40, 3, { apiCalls: false })
        await w.plugin.drain()
        const sql = db.sql!
        const snapshot = async () => ({
          hourly: await sql(`select organization_id, hour, metric, count::int from analytics_hourly order by 1, 2, 3`),
          daily: await sql(`select organization_id, day, agent_id, metric, count::int from analytics_agent_daily order by 1, 2, 3, 4`),
          cursors: await sql(`select organization_id, position::int from audit_consumers where consumer_id = 'analytics.rollup' order by 1`),
        })
        const before = await snapshot()
        expect(before.hourly.length).toBeGreaterThan(0)
        expect(before.daily.length).toBeGreaterThan(0)
        // From now on every batch writes its aggregates, then its transaction dies before the cursor moves.
        await sql(`create function analytics_crash() returns trigger language plpgsql as $$ begin raise exception 'injected crash'; end $$`)
        await sql(`create trigger analytics_crash before insert or update on analytics_last_active for each row execute function analytics_crash()`)
        await generate(w, 40, 4, { apiCalls: false })
        await w.plugin.drain()
        // Nothing of the dead batches remains, and the cursors did not move.
        expect(await snapshot()).toEqual(before)
        await sql(`drop trigger analytics_crash on analytics_last_active`)
        await w.plugin.drain()
        await compare(w)
        // Drained again: nothing is counted twice.
        await w.plugin.drain()
        await compare(w)
      })
    }

    it('backfills an existing log on its first start', async () => {
      // A server without analytics wrote the log…
      const old = await world(db.storage, start, false)
      await generate(old, 60, 9, { apiCalls: false })
      // …then analytics is installed (the old server is idle): its first drain counts everything already there.
      const later = idpOn(db.storage, old.clock)
      w = { ...old, idp: later.idp, plugin: later.plugin }
      await later.idp.ready()
      await later.plugin.drain()
      await compare(w)
    })

    if (target.name === 'postgres') {
      it('two processes aggregating the same log at once count exactly', async () => {
        const w = await started()
        await generate(w, 100, 5)
        const other = idpOn(await db.second!(), w.clock)
        await other.idp.ready()
        try {
          await Promise.all([w.plugin.drain(), other.plugin.drain(), w.plugin.drain(), other.plugin.drain()])
          await w.plugin.drain()
          await compare(w)
        } finally {
          await other.idp.close()
        }
      })
    }
  })
}
