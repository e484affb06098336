/**
 * `@sentryagent/plugin-webhooks` over HTTP on the real reference server (PGlite, and PostgreSQL when
 * reachable): subscriptions, events from the audit outbox delivered to receivers on 127.0.0.1 that
 * verify both signature headers (the `standardwebhooks` package and plain node:crypto), delivery
 * history, redelivery, tenancy (another organization's ids → 404), scopes, SSRF refusals, and the
 * plugin absent when `PLUGINS` leaves it out.
 */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { ADMIN_ID, ADMIN_SECRET, MASTER_KEY, TARGETS, api, freePort, provisionTenant, startOn, startServer, type Running } from './harness.js'

interface Received {
  headers: IncomingHttpHeaders
  body: string
}

async function receiver() {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The receiver side, with node:crypto only: both headers. */
function verifyPlain(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const signed = `${String(r.headers['webhook-id'])}.${String(r.headers['webhook-timestamp'])}.${r.body}`
  const expected = createHmac('sha256', key).update(signed).digest('base64')
  const standard = String(r.headers['webhook-signature']).split(' ').some((s) => s === `v1,${expected}`)
  const compat = r.headers['x-sentryagent-signature'] === `sha256=${createHmac('sha256', key).update(r.body).digest('hex')}`
  return standard && compat
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

for (const target of TARGETS) {
  describe(`webhooks plugin (${target.name})`, () => {
    let server: Running
    let http: ReturnType<typeof api>
    let admin: string
    let hook: Awaited<ReturnType<typeof receiver>>

    beforeAll(async () => {
      server = await startOn(target, { WEBHOOKS_ALLOW_PRIVATE_URLS: 'true' })
      http = api(server.url)
      admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      hook = await receiver()
    })
    afterAll(async () => {
      await hook.close()
      await server.close()
    })

    it('delivers agent events signed in both formats, records the history, and redelivers with the same webhook-id', async () => {
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['scopes_supported']).toEqual(expect.arrayContaining(['webhooks:read', 'webhooks:write']))
      const tenant = await provisionTenant(server.url, admin, 'hooks-a', ['webhooks:read', 'webhooks:write', 'agents:write', 'agents:read', 'audit:read'])
      const token = await http.token(tenant.clientId, tenant.clientSecret)

      const created = await http.call('POST', '/api/v1/webhooks', token, { url: hook.url, events: ['agent.created', 'agent.suspended'], description: 'ci' })
      expect(created.status).toBe(201)
      expect(created.headers.get('cache-control')).toBe('no-store')
      const secret = String(created.body?.['secret'])
      const webhookId = String(created.body?.['subscriptionId'])
      expect(secret).toMatch(/^whsec_/)
      // The secret is shown once: never in a read.
      expect((await http.call('GET', `/api/v1/webhooks/${webhookId}`, token)).body).not.toHaveProperty('secret')

      const agent = await http.call('POST', '/api/v1/agents', token, agentBody('hooked'))
      expect(agent.status).toBe(201)
      const delivered = await waitFor('agent.created delivery', () => hook.received.find((r) => r.body.includes('"agent.created"') && r.body.includes(String(agent.body?.['agentId']))))
      // Standard Webhooks library: verifies webhook-id, webhook-timestamp and webhook-signature.
      const payload = new Webhook(secret).verify(delivered.body, {
        'webhook-id': String(delivered.headers['webhook-id']),
        'webhook-timestamp': String(delivered.headers['webhook-timestamp']),
        'webhook-signature': String(delivered.headers['webhook-signature']),
      }) as Record<string, unknown>
      expect(payload).toMatchObject({ event: 'agent.created', organizationId: tenant.organizationId, data: { agentId: agent.body?.['agentId'], name: 'hooked' } })
      expect(Object.keys(payload).sort()).toEqual(['data', 'event', 'id', 'organizationId', 'timestamp'])
      expect(verifyPlain(secret, delivered)).toBe(true)
      expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(delivered.body, {
        'webhook-id': String(delivered.headers['webhook-id']),
        'webhook-timestamp': String(delivered.headers['webhook-timestamp']),
        'webhook-signature': String(delivered.headers['webhook-signature']),
      })).toThrow()

      let items: Array<Record<string, unknown>> = []
      for (let i = 0; i < 50; i++) {
        items = ((await http.call('GET', `/api/v1/webhooks/${webhookId}/deliveries`, token)).body?.['items'] ?? []) as Array<Record<string, unknown>>
        if (items.some((d) => d['status'] === 'succeeded')) break
        await new Promise((r) => setTimeout(r, 100))
      }
      const done = items.find((d) => d['deliveryId'] === delivered.headers['webhook-id'])
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1, responseCode: 204, event: 'agent.created' })
      expect(typeof done?.['durationMs']).toBe('number')

      const redo = await http.call('POST', `/api/v1/webhooks/${webhookId}/deliveries/${String(done?.['deliveryId'])}/redeliver`, token)
      expect(redo.status).toBe(202)
      await waitFor('redelivery', () => (hook.received.filter((r) => r.headers['webhook-id'] === done?.['deliveryId']).length === 2 ? true : undefined))

      // Pause: events of a paused subscription are not queued; ping queues one delivery when active.
      expect((await http.call('PATCH', `/api/v1/webhooks/${webhookId}`, token, { active: false })).body).toMatchObject({ active: false })
      expect((await http.call('PATCH', `/api/v1/webhooks/${webhookId}`, token, { active: true })).body).toMatchObject({ active: true })
      const ping = await http.call('POST', `/api/v1/webhooks/${webhookId}/ping`, token)
      expect(ping.status).toBe(202)
      await waitFor('ping', () => hook.received.find((r) => r.headers['webhook-id'] === ping.body?.['deliveryId']))

      // Metrics: deliveries by outcome, latency, dead letters, queue depth.
      const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text())
      expect(metrics).toMatch(/^agentidp_webhook_deliveries_total\{outcome="succeeded"\} [1-9]\d*$/m)
      expect(metrics).toMatch(/^agentidp_webhook_delivery_duration_seconds_count\{outcome="succeeded"\} [1-9]/m)
      expect(metrics).toMatch(/^agentidp_webhook_dead_letters_total 0$/m)
      expect(metrics).toMatch(/^agentidp_webhook_queue_depth \d+$/m)

      // Every change is audited.
      const audit = await http.call('GET', '/api/v1/audit?limit=100', token)
      const actions = ((audit.body?.['items'] ?? []) as Array<{ action: string }>).map((e) => e.action)
      expect(actions).toEqual(expect.arrayContaining(['webhooks.subscription_created', 'webhooks.subscription_updated', 'webhooks.delivery_retried', 'webhooks.ping_sent']))
      // Unknown fields are refused (the binding's validator).
      expect((await http.call('POST', '/api/v1/webhooks', token, { url: hook.url, events: ['agent.created'], extra: 1 })).status).toBe(400)
      expect((await http.call('POST', '/api/v1/webhooks', token, { url: hook.url, events: ['no.such_event'] })).status).toBe(400)
      expect((await http.call('DELETE', `/api/v1/webhooks/${webhookId}`, token)).status).toBe(204)
      expect((await http.call('GET', `/api/v1/webhooks/${webhookId}`, token)).status).toBe(404)
    })

    it("another organization's subscription and delivery ids answer 404, and a lower scope is refused", async () => {
      const a = await provisionTenant(server.url, admin, 'hooks-owner', ['webhooks:read', 'webhooks:write'])
      const b = await provisionTenant(server.url, admin, 'hooks-other', ['webhooks:read', 'webhooks:write'])
      const reader = await provisionTenant(server.url, admin, 'hooks-reader', ['webhooks:read'])
      const none = await provisionTenant(server.url, admin, 'hooks-none', ['agents:read'])
      const tokenA = await http.token(a.clientId, a.clientSecret)
      const tokenB = await http.token(b.clientId, b.clientSecret)
      const sub = await http.call('POST', '/api/v1/webhooks', tokenA, { url: hook.url, events: ['webhook.ping'] })
      const id = String(sub.body?.['subscriptionId'])
      const ping = await http.call('POST', `/api/v1/webhooks/${id}/ping`, tokenA)
      const deliveryId = String(ping.body?.['deliveryId'])

      for (const [method, path, body] of [
        ['GET', `/api/v1/webhooks/${id}`, undefined],
        ['PATCH', `/api/v1/webhooks/${id}`, { active: false }],
        ['DELETE', `/api/v1/webhooks/${id}`, undefined],
        ['GET', `/api/v1/webhooks/${id}/deliveries`, undefined],
        ['POST', `/api/v1/webhooks/${id}/ping`, undefined],
        ['POST', `/api/v1/webhooks/${id}/rotate-secret`, undefined],
        ['POST', `/api/v1/webhooks/${id}/deliveries/${deliveryId}/redeliver`, undefined],
      ] as const) {
        const res = await http.call(method, path, tokenB, body)
        expect(res.status, `${method} ${path}`).toBe(404)
        expect(res.headers.get('content-type')).toContain('application/problem+json')
      }
      expect(((await http.call('GET', '/api/v1/webhooks', tokenB)).body?.['items'] as unknown[]).length).toBe(0)
      // A delivery id of the owner's under another of B's own subscriptions is still 404.
      const subB = await http.call('POST', '/api/v1/webhooks', tokenB, { url: hook.url, events: ['webhook.ping'] })
      expect((await http.call('POST', `/api/v1/webhooks/${String(subB.body?.['subscriptionId'])}/deliveries/${deliveryId}/redeliver`, tokenB)).status).toBe(404)
      // The owner's subscription is untouched.
      expect((await http.call('GET', `/api/v1/webhooks/${id}`, tokenA)).body).toMatchObject({ active: true })

      const readToken = await http.token(reader.clientId, reader.clientSecret)
      expect((await http.call('GET', '/api/v1/webhooks', readToken)).status).toBe(200)
      expect((await http.call('POST', '/api/v1/webhooks', readToken, { url: hook.url, events: ['webhook.ping'] })).status).toBe(403)
      const noneToken = await http.token(none.clientId, none.clientSecret)
      expect((await http.call('GET', '/api/v1/webhooks', noneToken)).status).toBe(403)
      expect((await http.call('GET', '/api/v1/webhooks')).status).toBe(401)
    })
  })
}

describe('webhooks plugin: SSRF refusals and PLUGINS', () => {
  it('refuses http and private, loopback, link-local and metadata URLs without the development flag', async () => {
    const server = await startServer({ STORAGE: 'memory' })
    try {
      const http = api(server.url)
      const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      for (const url of ['http://hooks.example.com/in', 'https://127.0.0.1/in', 'https://[::1]/in', 'https://10.0.0.1/in', 'https://169.254.169.254/latest', 'https://[::ffff:10.0.0.1]/', 'https://0.0.0.0/', 'https://localhost/in']) {
        const res = await http.call('POST', '/api/v1/webhooks', admin, { url, events: ['agent.created'] })
        expect(res.status, url).toBe(400)
        expect(res.body).toMatchObject({ code: 'WEBHOOK_URL_NOT_ALLOWED' })
      }
      expect((await http.call('POST', '/api/v1/webhooks', admin, { url: 'https://hooks.example.com/in', events: ['agent.created'] })).status).toBe(201)
    } finally {
      await server.close()
    }
  })

  it('is absent when PLUGINS leaves it out: routes 404, scopes not advertised', async () => {
    const server = await startServer({ STORAGE: 'memory', PLUGINS: 'none' })
    try {
      const http = api(server.url)
      const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      expect((await http.call('GET', '/api/v1/webhooks', admin)).status).toBe(404)
      expect((await http.call('POST', '/api/v1/webhooks', admin, { url: 'https://hooks.example.com/', events: ['agent.created'] })).status).toBe(404)
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['scopes_supported']).not.toContain('webhooks:read')
      expect(discovery.body?.['scopes_supported']).not.toContain('webhooks:write')
    } finally {
      await server.close()
    }
  })

  it('warns at start when WEBHOOKS_ALLOW_PRIVATE_URLS=true, and only then', async () => {
    const warnings = async (flag: string | undefined) => {
      const lines: { msg: string }[] = []
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as { msg: string })
          done()
        },
      })
      const config = loadConfig({
        PORT: String(await freePort()),
        STORAGE: 'memory',
        SENTRYAGENT_BOOTSTRAP_CLIENT_ID: ADMIN_ID,
        SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: ADMIN_SECRET,
        SENTRYAGENT_MASTER_KEY: MASTER_KEY,
        ...(flag === undefined ? {} : { WEBHOOKS_ALLOW_PRIVATE_URLS: flag }),
      })
      const server = await build(config, { logger: pino({ level: 'warn' }, stream) })
      await server.app.close()
      return lines.map((l) => l.msg).filter((m) => m.includes('WEBHOOKS_ALLOW_PRIVATE_URLS'))
    }
    expect(await warnings('true')).toHaveLength(1)
    expect(await warnings('false')).toEqual([])
    expect(await warnings(undefined)).toEqual([])
    expect(() => loadConfig({ WEBHOOKS_ALLOW_PRIVATE_URLS: 'yes' })).toThrow(/WEBHOOKS_ALLOW_PRIVATE_URLS must be true or false/)
  })
})
