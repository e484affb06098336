/**
 * The analytics backfill survives `kill -9` (PostgreSQL; skipped without it, failing under CI=true):
 * a server without analytics holds a seeded log; a server with analytics starts its backfill and is
 * killed with SIGKILL in the middle of it; a third server finishes it. Every aggregate then equals a
 * brute-force GROUP BY over `audit_events`: nothing was counted twice, nothing was lost.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createPostgresStorage } from '@sentryagent/adapter-postgres'
import { linkAuditEvent } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, DATABASE_URL, api } from './harness.js'
import { spawnServer } from './processes.js'

const reachable = await serviceReachable('postgres', async () => {
  const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  await c.connect()
  await c.end()
})
const EVENTS = 40_000
const ACTIONS = ['token.issued', 'token.issued', 'token.issued', 'token.exchanged', 'auth.failed', 'credential.rotated', 'delegation.created', 'agent.updated']

describe.skipIf(!reachable)('analytics backfill killed with SIGKILL (postgres)', () => {
  it('counts exactly once after a restart', { timeout: 600_000 }, async () => {
    const schema = `it_${randomBytes(6).toString('hex')}`
    const sql = new pg.Client({ connectionString: DATABASE_URL })
    await sql.connect()
    const env = { DATABASE_URL, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '4' }
    try {
      const plain = await spawnServer({ ...env, PLUGINS: 'none' })
      const http = api(plain.url)
      const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      const org = await http.call('POST', '/api/v1/organizations', admin, { name: 'crash', slug: 'crash' })
      const organizationId = String(org.body?.['organizationId'])
      await plain.stop()

      // The seeded log: 40,000 chained events over 10 days by 20 agents.
      const storage = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 2, migrate: false })
      const agents = Array.from({ length: 20 }, () => randomUUID())
      const start = Date.now() - 10 * 86_400_000
      for (let done = 0; done < EVENTS; done += 5000) {
        const links = Array.from({ length: 5000 }, (_, k) => {
          const i = done + k
          return (head: Parameters<typeof linkAuditEvent>[1]) =>
            linkAuditEvent(
              {
                eventId: randomUUID(),
                organizationId,
                timestamp: new Date(start + i * 20_000),
                action: ACTIONS[i % ACTIONS.length] ?? 'token.issued',
                outcome: 'success',
                actor: 'seed',
                agentId: i % 7 === 0 ? null : (agents[i % agents.length] ?? null),
                ip: null,
                details: {},
              },
              head,
            )
        })
        await storage.transaction((tx) => tx.audit.appendMany(organizationId, links))
      }
      await storage.close()
      const head = Number((await sql.query<{ n: string }>(`select max(seq) as n from "${schema}".audit_events where organization_id = $1`, [organizationId])).rows[0]?.n)
      const position = async () =>
        Number(
          (await sql.query<{ p: string }>(`select position as p from "${schema}".audit_consumers where consumer_id = 'analytics.rollup' and organization_id = $1`, [organizationId]))
            .rows[0]?.p ?? 0,
        )

      // Killed in the middle of the backfill.
      const first = await spawnServer(env)
      let at = 0
      for (let i = 0; i < 6000 && at === 0; i++) {
        at = await position()
        if (at === 0) await new Promise((r) => setTimeout(r, 20))
      }
      first.child.kill('SIGKILL')
      await first.exited
      const killedAt = await position()
      expect(killedAt).toBeGreaterThan(0)
      expect(killedAt).toBeLessThan(head)

      // Restarted: the backfill resumes from the committed cursor.
      const second = await spawnServer(env)
      try {
        for (let i = 0; i < 3000 && (await position()) < head; i++) await new Promise((r) => setTimeout(r, 100))
        expect(await position()).toBe(head)
      } finally {
        await second.stop()
      }

      const counted = `case action when 'token.issued' then 'tokens_issued' when 'token.exchanged' then 'token_exchanges'
        when 'auth.failed' then 'failed_auth' when 'delegation.created' then 'delegations' else 'credential_changes' end`
      const where = `organization_id = $1 and action in ('token.issued', 'token.exchanged', 'auth.failed', 'delegation.created', 'credential.generated', 'credential.rotated', 'credential.revoked')`
      const bruteHourly = await sql.query(
        `select date_trunc('hour', occurred_at) as hour, ${counted} as metric, count(*)::int as n from "${schema}".audit_events where ${where} group by 1, 2 order by 1, 2`,
        [organizationId],
      )
      const hourly = await sql.query(
        `select hour, metric, count::int as n from "${schema}".analytics_hourly where organization_id = $1 order by 1, 2`,
        [organizationId],
      )
      expect(hourly.rows).toEqual(bruteHourly.rows)
      const bruteDaily = await sql.query(
        `select agent_id, ${counted} as metric, count(*)::int as n from "${schema}".audit_events where ${where} and agent_id is not null group by 1, 2 order by 1, 2`,
        [organizationId],
      )
      const daily = await sql.query(
        `select agent_id, metric, sum(count)::int as n from "${schema}".analytics_agent_daily where organization_id = $1 group by 1, 2 order by 1, 2`,
        [organizationId],
      )
      expect(daily.rows).toEqual(bruteDaily.rows)
    } finally {
      await sql.query(`drop schema if exists "${schema}" cascade`)
      await sql.end()
    }
  })
})
