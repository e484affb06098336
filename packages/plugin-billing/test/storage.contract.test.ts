/**
 * The billing repository on memory, PGlite and PostgreSQL (a random schema; required under CI=true):
 * usage arithmetic, the never-lowering API-call flush, ranges and tenancy, unreported meter rows,
 * one customer per organization, idempotent event records, and rollback with the transaction.
 */
import { randomUUID } from 'node:crypto'
import { storageTargets } from '@sentryagent/adapter-postgres/testing'
import type { Storage } from '@sentryagent/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { billingRepository, billingStorage } from '../src/storage.js'

const targets = await storageTargets([billingStorage], 'billing')

describe.each(targets)('billing repository on $name', (target) => {
  let storage: Storage
  let teardown: () => Promise<void>
  beforeAll(async () => {
    ;({ storage, teardown } = await target.setup())
  })
  afterAll(async () => {
    await teardown()
  })
  const repo = () => billingRepository(storage)
  const org = () => `org-${randomUUID()}`

  it('adds usage per day, raises API calls without ever lowering them, and reads a range of one organization', async () => {
    const a = org()
    const b = org()
    await repo().addUsage(a, '2026-06-14', { tokensIssued: 3, agentsCreated: 1 })
    await repo().addUsage(a, '2026-06-14', { tokensIssued: 2, credentialsIssued: 4 })
    await repo().raiseApiCalls(a, '2026-06-14', 50)
    await repo().raiseApiCalls(a, '2026-06-14', 20) // a counter restarted after a cache loss
    await repo().raiseApiCalls(a, '2026-06-15', 7)
    await repo().addUsage(b, '2026-06-14', { tokensIssued: 100 })
    expect(await repo().usage(a, '2026-06-01', '2026-06-30')).toStrictEqual([
      { organizationId: a, day: '2026-06-14', apiCalls: 50, tokensIssued: 5, agentsCreated: 1, credentialsIssued: 4 },
      { organizationId: a, day: '2026-06-15', apiCalls: 7, tokensIssued: 0, agentsCreated: 0, credentialsIssued: 0 },
    ])
    expect(await repo().usage(a, '2026-06-15', '2026-06-15')).toHaveLength(1)
    expect(await repo().usage(a, '2026-06-16', '2026-06-30')).toStrictEqual([])
  })

  it('lists finished days with unreported tokens and forgets them once reported', async () => {
    const a = org()
    await repo().addUsage(a, '2026-05-01', { tokensIssued: 9 })
    await repo().addUsage(a, '2026-05-02', { agentsCreated: 1 }) // no tokens: nothing to report
    await repo().addUsage(a, '2026-05-03', { tokensIssued: 1 }) // "today": not finished
    const pending = (await repo().unreportedUsage('2026-05-03', 1000)).filter((r) => r.organizationId === a)
    expect(pending.map((r) => [r.day, r.tokensIssued])).toStrictEqual([['2026-05-01', 9]])
    await repo().markReported(a, '2026-05-01', new Date())
    expect((await repo().unreportedUsage('2026-05-03', 1000)).filter((r) => r.organizationId === a)).toStrictEqual([])
  })

  it('keeps one customer per organization and finds it by Stripe id', async () => {
    const a = org()
    const first = await repo().insertCustomer({ organizationId: a, stripeCustomerId: `cus_${a}`, subscriptionId: null, subscriptionStatus: null, updatedAt: new Date() })
    const second = await repo().insertCustomer({ organizationId: a, stripeCustomerId: `cus_other_${a}`, subscriptionId: null, subscriptionStatus: null, updatedAt: new Date() })
    expect(second.stripeCustomerId).toBe(first.stripeCustomerId)
    await repo().updateSubscription(a, { subscriptionId: 'sub_1', subscriptionStatus: 'active', updatedAt: new Date() })
    expect(await repo().customerByStripeId(`cus_${a}`)).toMatchObject({ organizationId: a, subscriptionId: 'sub_1', subscriptionStatus: 'active' })
    expect(await repo().customerByStripeId(`cus_other_${a}`)).toBeNull()
    expect(await repo().customer(org())).toBeNull()
  })

  it('records an event id once, and not at all when the transaction rolls back', async () => {
    const id = `evt_${randomUUID()}`
    expect(await repo().recordEvent(id, 'invoice.paid', null, new Date())).toBe(true)
    expect(await repo().recordEvent(id, 'invoice.paid', null, new Date())).toBe(false)
    const rolled = `evt_${randomUUID()}`
    const a = org()
    await expect(
      storage.transaction(async (tx) => {
        await billingRepository(tx).recordEvent(rolled, 'invoice.paid', a, new Date())
        await billingRepository(tx).addUsage(a, '2026-06-14', { tokensIssued: 1 })
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await repo().eventSeen(rolled)).toBe(false)
    expect(await repo().usage(a, '2026-06-14', '2026-06-14')).toStrictEqual([])
  })

  it('records an event exactly once under concurrent deliveries', async () => {
    const id = `evt_${randomUUID()}`
    const results = await Promise.all(Array.from({ length: 5 }, () => storage.transaction((tx) => billingRepository(tx).recordEvent(id, 'x', null, new Date()))))
    expect(results.filter(Boolean)).toHaveLength(1)
  })
})
