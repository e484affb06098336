/**
 * Webhook delivery across real server processes: `kill -9` during a burst of agent creations and a
 * restart lose no event (every acknowledged agent's `agent.created` arrives at least once, and
 * duplicates carry the same `webhook-id`); two processes on one PostgreSQL (and Redis) database
 * deliver every event exactly once without overlapping.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serviceReachable } from '@sentryagent/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, freePort, provisionTenant } from './harness.js'
import { REDIS_URL, probeRedis } from './ops-fixtures.js'
import { spawnServer, type ServerProcess } from './processes.js'

interface Delivery {
  webhookId: string
  agentId: string
}

/** A receiver that records agent.created deliveries and how many requests overlapped per webhook-id. */
async function receiver() {
  const deliveries: Delivery[] = []
  const inFlight = new Map<string, number>()
  let overlaps = 0
  const server = createServer((req, res) => {
    const id = String((req.headers as IncomingHttpHeaders)['webhook-id'])
    const now = (inFlight.get(id) ?? 0) + 1
    inFlight.set(id, now)
    if (now > 1) overlaps++
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const payload = JSON.parse(body) as { event: string; data: { agentId?: string } }
      if (payload.event === 'agent.created' && payload.data.agentId !== undefined) deliveries.push({ webhookId: id, agentId: payload.data.agentId })
      // A little latency, so that concurrent sends of one delivery would overlap here.
      setTimeout(() => {
        inFlight.set(id, (inFlight.get(id) ?? 1) - 1)
        res.writeHead(204).end()
      }, 20)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    deliveries,
    overlaps: () => overlaps,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const agentBody = (name: string) => ({
  name,
  agentType: 'custom',
  version: '1.0.0',
  capabilities: ['hooks:test'],
  owner: 'webhooks-team',
  deploymentEnv: 'development',
  scopes: ['agents:read'],
})

async function subscribe(base: string, hookUrl: string) {
  const http = api(base)
  const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
  const tenant = await provisionTenant(base, admin, `crash-${randomBytes(3).toString('hex')}`, ['webhooks:write', 'agents:write', 'agents:read'])
  // Enterprise: no agent cap for the burst.
  const plan = await http.call('PATCH', `/api/v1/organizations/${tenant.organizationId}`, admin, { planTier: 'enterprise' })
  if (plan.status !== 200) throw new Error(`plan: ${plan.status} ${JSON.stringify(plan.body)}`)
  const token = await http.token(tenant.clientId, tenant.clientSecret)
  const sub = await http.call('POST', '/api/v1/webhooks', token, { url: hookUrl, events: ['agent.created'] })
  if (sub.status !== 201) throw new Error(`subscription: ${sub.status}`)
  return { tenant, token }
}

for (const target of TARGETS) {
  describe(`webhooks across a crash (${target.name})`, () => {
    const cleanups: Array<() => Promise<unknown>> = []
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c()
    })

    it('kill -9 during a burst, restart: every acknowledged event delivered at least once, duplicates share the webhook-id', async () => {
      const hook = await receiver()
      cleanups.push(hook.close)
      const db = await target.create()
      cleanups.push(db.dispose)
      const port = await freePort()
      const env = { ...db.env, WEBHOOKS_ALLOW_PRIVATE_URLS: 'true', LOG_LEVEL: 'error' }
      const first = await spawnServer(env, { port })
      cleanups.push(() => first.stop('SIGKILL'))
      const { tenant, token } = await subscribe(first.url, hook.url)

      // The burst: agents created one after another; the process is killed while it runs.
      const acknowledged: string[] = []
      const burst = (async () => {
        for (let i = 0; i < 60; i++) {
          const res = await api(first.url).call('POST', '/api/v1/agents', token, agentBody(`burst-${i}`)).catch(() => undefined)
          if (res === undefined) return
          if (res.status === 201) acknowledged.push(String(res.body?.['agentId']))
        }
      })()
      await until('some agents created', () => acknowledged.length >= 15, 60_000)
      await first.stop('SIGKILL')
      await burst
      expect(acknowledged.length).toBeGreaterThanOrEqual(15)

      const second = await spawnServer(env, { port })
      cleanups.push(() => second.stop())
      // A send interrupted by the kill is re-sent once its claim expires (timeout + 20 s).
      await until('every acknowledged agent.created', () => acknowledged.every((id) => hook.deliveries.some((d) => d.agentId === id)), 90_000)
      for (const id of acknowledged) {
        const ids = new Set(hook.deliveries.filter((d) => d.agentId === id).map((d) => d.webhookId))
        expect(ids.size, `webhook-ids of ${id}`).toBe(1)
      }
      void tenant
    }, 180_000)
  })
}

const pgUp = TARGETS.some((t) => t.name === 'postgres')
const redisUp = await serviceReachable('redis', probeRedis)

describe.runIf(pgUp && redisUp)('webhooks with two server processes on one PostgreSQL and Redis', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c()
  })

  it('delivers every event once, never the same delivery twice at the same time', async () => {
    const postgres = TARGETS.find((t) => t.name === 'postgres')
    if (postgres === undefined) throw new Error('no postgres target')
    const hook = await receiver()
    cleanups.push(hook.close)
    const db = await postgres.create()
    cleanups.push(db.dispose)
    const [portA, portB] = [await freePort(), await freePort()]
    const env = {
      ...db.env,
      ISSUER: `http://127.0.0.1:${portA}`,
      REDIS_URL,
      REDIS_KEY_PREFIX: `whk:${randomBytes(4).toString('hex')}:`,
      WEBHOOKS_ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'error',
    }
    const a: ServerProcess = await spawnServer(env, { port: portA })
    cleanups.push(() => a.stop())
    const b: ServerProcess = await spawnServer(env, { port: portB })
    cleanups.push(() => b.stop())
    const { token } = await subscribe(a.url, hook.url)

    const created: string[] = []
    await Promise.all(
      [a, b].map(async (server, n) => {
        for (let i = 0; i < 20; i++) {
          const res = await api(server.url).call('POST', '/api/v1/agents', token, agentBody(`two-${n}-${i}`))
          expect(res.status, JSON.stringify(res.body)).toBe(201)
          created.push(String(res.body?.['agentId']))
        }
      }),
    )
    await until('every agent.created', () => created.every((id) => hook.deliveries.some((d) => d.agentId === id)), 60_000)
    // Give a wrongly duplicated send time to arrive, then count.
    await new Promise((r) => setTimeout(r, 2_000))
    for (const id of created) expect(hook.deliveries.filter((d) => d.agentId === id), id).toHaveLength(1)
    expect(hook.overlaps()).toBe(0)
  }, 180_000)
})
