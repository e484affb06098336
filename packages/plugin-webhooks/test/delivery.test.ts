/**
 * Delivery engine of the webhooks plugin on memory, PGlite and PostgreSQL with an injected clock:
 * the retry schedule, dead letters, disabling after 24 h of failures, redelivery, signatures,
 * rotation overlap, and claims that never hand one delivery to two workers at once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_RETRY_SCHEDULE_MS, webhooksStorage } from '../src/index.js'
import { STORAGE_TARGETS, manualClock, receiver, startIdp, verifyWithCrypto, type TestIdp } from './fixtures.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

for (const target of STORAGE_TARGETS) {
  describe(`webhook delivery (${target.name})`, () => {
    async function setup(status: () => number | 'drop' = () => 204) {
      const clock = manualClock()
      const hook = await receiver(status)
      cleanups.push(hook.close)
      const db = await target.create([webhooksStorage])
      cleanups.push(db.dispose)
      const t = await startIdp(db.storage, clock.now)
      cleanups.push(t.close)
      return { clock, hook, t, db }
    }

    const deliveries = async (t: TestIdp, subscriptionId: string) =>
      (await t.plugin.runtime.service().deliveries(t.ctx, subscriptionId, { limit: 100 })).items

    it('signs with both headers; the payload is { id, event, timestamp, organizationId, data }', async () => {
      const { t, hook } = await setup()
      const service = t.plugin.runtime.service()
      const created = await service.create(t.ctx, { url: hook.url, events: ['webhook.ping', 'webhook.updated'] })
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
      const ping = await service.ping(t.ctx, created.subscriptionId)
      expect(await t.plugin.runtime.deliverDue()).toBe(1)
      expect(hook.received).toHaveLength(1)
      const [first] = hook.received
      if (first === undefined) throw new Error('nothing received')
      expect(first.headers['webhook-id']).toBe(ping.deliveryId)
      expect(verifyWithCrypto(created.secret, first)).toBe(true)
      expect(verifyWithCrypto(`whsec_${Buffer.alloc(32).toString('base64')}`, first)).toBe(false)
      expect(JSON.parse(first.body)).toEqual({
        id: ping.deliveryId,
        event: 'webhook.ping',
        timestamp: '2030-01-01T00:00:00.000Z',
        organizationId: t.organizationId,
        data: { subscriptionId: created.subscriptionId },
      })
      const [done] = await deliveries(t, created.subscriptionId)
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1, responseCode: 204, error: null })

      // Audit events become deliveries through the outbox consumer (the plugin's own webhook.updated).
      await service.update(t.ctx, created.subscriptionId, { description: 'renamed' })
      await t.plugin.runtime.dispatch()
      expect(await t.plugin.runtime.deliverDue()).toBe(1)
      const updated = JSON.parse(hook.received[1]?.body ?? '{}') as Record<string, unknown>
      expect(updated).toMatchObject({ event: 'webhook.updated', organizationId: t.organizationId, data: { subscriptionId: created.subscriptionId, changes: ['description'] } })
    })

    it('retries on the schedule, dead-letters, disables after 24 h of failure, and redelivers once resumed', async () => {
      let up = false
      const { t, hook, clock } = await setup(() => (up ? 204 : 'drop'))
      const service = t.plugin.runtime.service()
      const sub = await service.create(t.ctx, { url: hook.url, events: ['webhook.ping'] })
      const ping = await service.ping(t.ctx, sub.subscriptionId)

      expect(await t.plugin.runtime.deliverDue()).toBe(1)
      for (const [i, delay] of DEFAULT_RETRY_SCHEDULE_MS.entries()) {
        const [d] = await deliveries(t, sub.subscriptionId)
        expect(d).toMatchObject({ status: 'pending', attempts: i + 1, error: 'network_error', responseCode: null })
        // random() = 0.5: the jitter factor is exactly 1.
        expect(new Date(d?.nextAttemptAt ?? 0).getTime() - new Date(d?.lastAttemptAt ?? 0).getTime()).toBe(delay)
        clock.advance(delay - 1)
        expect(await t.plugin.runtime.deliverDue()).toBe(0)
        clock.advance(1)
        expect(await t.plugin.runtime.deliverDue()).toBe(1)
      }
      const [dead] = await deliveries(t, sub.subscriptionId)
      expect(dead).toMatchObject({ deliveryId: ping.deliveryId, status: 'dead_letter', attempts: 6, nextAttemptAt: null })
      expect(hook.received).toHaveLength(6)
      expect(new Set(hook.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([ping.deliveryId]))

      // Still failing 24 h after the first failure: the subscription is disabled and says why.
      clock.advance(24 * 3_600_000)
      await service.ping(t.ctx, sub.subscriptionId)
      expect(await t.plugin.runtime.deliverDue()).toBe(1)
      const disabled = await service.get(t.ctx, sub.subscriptionId)
      expect(disabled.active).toBe(false)
      expect(disabled.disabledReason).toMatch(/failing since 2030-01-01T00:00:00.000Z/)
      // A disabled subscription's deliveries wait.
      const pending = (await deliveries(t, sub.subscriptionId)).find((d) => d.status === 'pending')
      clock.advance(DEFAULT_RETRY_SCHEDULE_MS[0])
      expect(await t.plugin.runtime.deliverDue()).toBe(0)

      // Resume, receiver back: the dead letter redelivered with the same webhook-id succeeds.
      up = true
      const resumed = await service.update(t.ctx, sub.subscriptionId, { active: true })
      expect(resumed).toMatchObject({ active: true, disabledReason: null, failingSince: null })
      await service.redeliver(t.ctx, sub.subscriptionId, ping.deliveryId)
      expect(await t.plugin.runtime.deliverDue()).toBe(2)
      const after = await deliveries(t, sub.subscriptionId)
      expect(after.find((d) => d.deliveryId === ping.deliveryId)).toMatchObject({ status: 'succeeded', attempts: 7, responseCode: 204 })
      expect(after.find((d) => d.deliveryId === pending?.deliveryId)).toMatchObject({ status: 'succeeded' })
      expect(hook.received.at(-1)?.headers['webhook-id']).toBeDefined()
      expect(hook.received.filter((r) => r.headers['webhook-id'] === ping.deliveryId)).toHaveLength(7)
    })

    it('a host resolving to a private address at delivery time is refused without the development flag', async () => {
      const clock = manualClock()
      const hook = await receiver()
      cleanups.push(hook.close)
      const db = await target.create([webhooksStorage])
      cleanups.push(db.dispose)
      // The name passes creation (it is not a literal address); DNS then answers 127.0.0.1.
      const lookups: string[] = []
      const t = await startIdp(db.storage, clock.now, {
        allowPrivateUrls: false,
        resolve: async (host) => {
          lookups.push(host)
          return [{ address: '127.0.0.1', family: 4 }]
        },
      })
      cleanups.push(t.close)
      const service = t.plugin.runtime.service()
      const sub = await service.create(t.ctx, { url: `https://hooks.example.test:${new URL(hook.url).port}/in`, events: ['webhook.ping'] })
      await expect(service.create(t.ctx, { url: 'https://10.0.0.1/in', events: ['webhook.ping'] })).rejects.toMatchObject({ code: 'WEBHOOK_URL_NOT_ALLOWED' })
      await expect(service.create(t.ctx, { url: hook.url, events: ['webhook.ping'] })).rejects.toMatchObject({ code: 'WEBHOOK_URL_NOT_ALLOWED' })
      await service.ping(t.ctx, sub.subscriptionId)
      await t.plugin.runtime.deliverDue()
      expect(lookups).toEqual(['hooks.example.test'])
      expect((await deliveries(t, sub.subscriptionId))[0]).toMatchObject({ status: 'pending', error: 'address_not_allowed', attempts: 1 })
      expect(hook.received).toHaveLength(0)
    })

    it('a non-2xx answer is a failure with its code; a redirect is not followed', async () => {
      const answers = [500, 302]
      const { t, hook, clock } = await setup(() => answers.shift() ?? 204)
      const service = t.plugin.runtime.service()
      const sub = await service.create(t.ctx, { url: hook.url, events: ['webhook.ping'] })
      await service.ping(t.ctx, sub.subscriptionId)
      await t.plugin.runtime.deliverDue()
      expect((await deliveries(t, sub.subscriptionId))[0]).toMatchObject({ status: 'pending', responseCode: 500, error: 'HTTP 500' })
      clock.advance(DEFAULT_RETRY_SCHEDULE_MS[0])
      await t.plugin.runtime.deliverDue()
      expect((await deliveries(t, sub.subscriptionId))[0]).toMatchObject({ status: 'pending', responseCode: 302, error: 'redirect_refused', attempts: 2 })
      expect(hook.received).toHaveLength(2)
    })

    it('signs with the previous secret too while a rotation overlaps', async () => {
      const { t, hook, clock } = await setup()
      const service = t.plugin.runtime.service()
      const sub = await service.create(t.ctx, { url: hook.url, events: ['webhook.ping'] })
      const rotated = await service.rotateSecret(t.ctx, sub.subscriptionId)
      expect(rotated.secret).not.toBe(sub.secret)
      await service.ping(t.ctx, sub.subscriptionId)
      await t.plugin.runtime.deliverDue()
      const [during] = hook.received
      if (during === undefined) throw new Error('nothing received')
      expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2)
      expect(verifyWithCrypto(rotated.secret, during)).toBe(true)
      // The compatibility header carries the current secret only; the Standard Webhooks header both.
      expect(verifyWithCrypto(sub.secret, during)).toBe(false)
      clock.advance(24 * 3_600_000 + 1)
      await service.ping(t.ctx, sub.subscriptionId)
      await t.plugin.runtime.deliverDue()
      expect(String(hook.received[1]?.headers['webhook-signature']).split(' ')).toHaveLength(1)
    })

    it('pages subscriptions (oldest first) and deliveries (newest first) with cursors', async () => {
      const { t, hook, clock } = await setup()
      const service = t.plugin.runtime.service()
      const subs: string[] = []
      for (let i = 0; i < 5; i++) {
        subs.push((await service.create(t.ctx, { url: hook.url, events: ['webhook.ping'] })).subscriptionId)
        clock.advance(i % 2 === 0 ? 0 : 1000) // equal timestamps too: the id breaks ties
      }
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const page = await service.list(t.ctx, { limit: 2, cursor })
        seen.push(...page.items.map((s) => s.subscriptionId))
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
      expect(seen).toHaveLength(5)
      expect(new Set(seen)).toEqual(new Set(subs))
      const first = subs[0] ?? ''
      const pings: string[] = []
      for (let i = 0; i < 5; i++) {
        pings.push((await service.ping(t.ctx, first)).deliveryId)
        clock.advance(1000)
      }
      const listed: string[] = []
      cursor = undefined
      do {
        const page = await service.deliveries(t.ctx, first, { limit: 2, cursor })
        listed.push(...page.items.map((d) => d.deliveryId))
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
      expect(listed).toEqual([...pings].reverse())
    })

    it('two workers never take the same delivery', async () => {
      const { t, hook, db } = await setup()
      const service = t.plugin.runtime.service()
      const sub = await service.create(t.ctx, { url: hook.url, events: ['webhook.ping'] })
      for (let i = 0; i < 30; i++) await service.ping(t.ctx, sub.subscriptionId)
      const workers: TestIdp[] = [t]
      if (db.second !== undefined) {
        const other = await startIdp(await db.second(), () => t.api.clock(), {}, t.api.secrets)
        cleanups.push(other.close)
        workers.push(other)
      }
      // The second process first: it must sign with the secret the first one stored.
      const counts = await Promise.all([...workers].reverse().concat(workers).map((w) => w.plugin.runtime.deliverDue()))
      expect(counts.reduce((a, b) => a + b, 0)).toBe(30)
      expect((await deliveries(t, sub.subscriptionId)).map((d) => d.error)).toEqual(Array.from({ length: 30 }, () => null))
      const ids = hook.received.map((r) => r.headers['webhook-id'])
      expect(new Set(ids).size).toBe(30)
      expect(ids).toHaveLength(30)
    })
  })
}
