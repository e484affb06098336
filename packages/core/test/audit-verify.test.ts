/**
 * `GET /audit/verify` without starving other tenants (issue 10, finding 7): incremental from the newest
 * signed checkpoint, one computation for concurrent calls of one organization, a server-wide cap,
 * and a long recomputation that lets the event loop run. Memory ports.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  createIdp,
  createLocalKeyStore,
  createMemoryStorage,
  linkAuditEvent,
  type AuditHead,
  type RequestContext,
  type Storage,
} from '../src/index.js'
import { ADMIN_SECRET, ctxFor, tokenFor } from './helpers.js'

/** A memory storage whose audit reads are counted and can be held back. */
function instrumentedStorage() {
  const inner = createMemoryStorage()
  let reads = 0
  let gate: Promise<void> | undefined
  let open: (() => void) | undefined
  const storage: Storage = {
    ...inner,
    audit: {
      ...inner.audit,
      range: async (orgId, fromSeq, limit) => {
        reads++
        if (gate !== undefined) await gate
        return inner.audit.range(orgId, fromSeq, limit)
      },
    },
  }
  return {
    storage,
    reads: () => reads,
    /** Holds every audit read until the returned function is called. */
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve))
      return () => {
        gate = undefined
        open?.()
      }
    },
  }
}

async function setupWith(storage: Storage) {
  const keys = createLocalKeyStore({ storage, masterKey: 'k'.repeat(40), clock: () => new Date() })
  const idp = createIdp({ issuer: 'http://idp.test', storage, keys })
  await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
  const admin = await ctxFor(idp, await tokenFor(idp, 'admin', ADMIN_SECRET))
  return { idp, admin }
}

/** Appends `count` events to `organizationId` directly through the storage port. */
async function seed(storage: Storage, organizationId: string, count: number) {
  const links = Array.from({ length: count }, () => (head: AuditHead | null) =>
    linkAuditEvent(
      { eventId: randomUUID(), organizationId, timestamp: new Date(), action: 'token.issued', outcome: 'success', actor: 'seed', agentId: null, ip: null, details: { jti: randomUUID() } },
      head,
    ),
  )
  await storage.transaction((tx) => tx.audit.appendMany(organizationId, links))
}

/** The admin's context, moved to another organization (verify only reads the organization id and scopes). */
const inOrg = (admin: RequestContext, organizationId: string): RequestContext => ({ ...admin, auth: { ...admin.auth, organizationId } })

describe('GET /audit/verify: incremental from the newest signed checkpoint', () => {
  it('recomputes only the sealed event and what follows; full mode and ranges recompute everything', async () => {
    const { storage } = instrumentedStorage()
    const { idp, admin } = await setupWith(storage)
    const org = inOrg(admin, randomUUID())
    await seed(storage, org.auth.organizationId, 1000)
    expect(await idp.audit.verify(org, {})).toMatchObject({ verified: true, checkedCount: 1000, mode: 'full', checkpointSize: null })
    const cp = await idp.audit.createCheckpoint(org)
    await seed(storage, org.auth.organizationId, 10)
    expect(await idp.audit.verify(org, {})).toEqual({
      verified: true,
      checkedCount: 11,
      headHash: (await storage.audit.head(org.auth.organizationId))?.hash,
      mode: 'incremental',
      checkpointSize: cp.size,
    })
    expect(await idp.audit.verify(org, { full: true })).toMatchObject({ verified: true, checkedCount: 1010, mode: 'full', checkpointSize: 1000 })
    expect(await idp.audit.verify(org, { from: 990, to: 1005 })).toMatchObject({ verified: true, checkedCount: 16, mode: 'full' })
  })

  it('checks the checkpoint signature: a forged newest checkpoint is not trusted (full verification instead)', async () => {
    const { storage } = instrumentedStorage()
    const { idp, admin } = await setupWith(storage)
    const org = inOrg(admin, randomUUID())
    await seed(storage, org.auth.organizationId, 50)
    const real = await idp.audit.createCheckpoint(org)
    await seed(storage, org.auth.organizationId, 5)
    const head = await storage.audit.head(org.auth.organizationId)
    // A database writer stores a "newer" checkpoint over a rewritten head, signed with garbage.
    await storage.auditCheckpoints.insert({ ...real, checkpointId: randomUUID(), size: 55, headHash: head!.hash, issuedAt: new Date(), signature: real.signature })
    expect(await idp.audit.verify(org, {})).toMatchObject({ verified: true, mode: 'full', checkedCount: 55 })
  })

  it('a checkpoint whose sealed event no longer hashes to its head fails incrementally', async () => {
    const inner = createMemoryStorage()
    const { idp, admin } = await setupWith(inner)
    const org = inOrg(admin, randomUUID())
    await seed(inner, org.auth.organizationId, 20)
    await idp.audit.createCheckpoint(org)
    const sealed = (await inner.audit.range(org.auth.organizationId, 20, 1))[0]!
    // A reader that returns the sealed event with one field changed (what an UPDATE would leave behind).
    const tampered: Storage = {
      ...inner,
      audit: { ...inner.audit, range: async (o, f, l) => (await inner.audit.range(o, f, l)).map((e) => (e.seq === 20 ? { ...e, actor: 'mallory' } : e)) },
    }
    const { idp: idp2 } = await setupWith(tampered)
    expect(await idp2.audit.verify(org, {})).toMatchObject({ verified: false, mode: 'incremental', checkpointSize: 20, brokenAtEventId: sealed.eventId })
    expect(await idp.audit.verify(org, {})).toMatchObject({ verified: true, mode: 'incremental' })
  })
})

describe('GET /audit/verify: fairness', () => {
  it('15 concurrent calls of one organization share one computation, and each is counted against the 30/min limit', async () => {
    const probe = instrumentedStorage()
    const { idp, admin } = await setupWith(probe.storage)
    const org = inOrg(admin, randomUUID())
    await seed(probe.storage, org.auth.organizationId, 2000)
    let before = probe.reads()
    await idp.audit.verify(org, { full: true })
    const perComputation = probe.reads() - before

    before = probe.reads()
    const results = await Promise.all(Array.from({ length: 15 }, () => idp.audit.verify(org, { full: true })))
    expect(probe.reads() - before).toBe(perComputation)
    for (const r of results) expect(r).toEqual(results[0])
    expect(results[0]).toMatchObject({ verified: true, checkedCount: 2000 })
    // 1 + 15 calls so far; 14 more fit in the minute, the 31st does not.
    await Promise.all(Array.from({ length: 14 }, () => idp.audit.verify(org, { full: true })))
    await expect(idp.audit.verify(org, { full: true })).rejects.toMatchObject({ code: 'RATE_LIMITED' })
  })

  it('at most 2 computations run at once, 8 more wait their turn, and one more is refused with 429 and Retry-After', async () => {
    const probe = instrumentedStorage()
    const { idp, admin } = await setupWith(probe.storage)
    const orgs = Array.from({ length: 11 }, () => inOrg(admin, randomUUID()))
    for (const org of orgs) await seed(probe.storage, org.auth.organizationId, 3)
    const release = probe.hold()
    const started = probe.reads()
    const calls = orgs.slice(0, 10).map((org) => idp.audit.verify(org, {}))
    await new Promise((r) => setTimeout(r, 20))
    // Only the two admitted computations have reached storage; the other eight wait for a slot.
    expect(probe.reads() - started).toBe(2)
    await expect(idp.audit.verify(orgs[10]!, {})).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 5 })
    release()
    for (const r of await Promise.all(calls)) expect(r).toMatchObject({ verified: true, checkedCount: 3 })
    // Slots are free again.
    expect(await idp.audit.verify(orgs[10]!, {})).toMatchObject({ verified: true })
  })

  it('a long recomputation yields to the event loop between batches', async () => {
    const storage = createMemoryStorage()
    const { idp, admin } = await setupWith(storage)
    const org = inOrg(admin, randomUUID())
    await seed(storage, org.auth.organizationId, 4000)
    // A chain of timers keeps ticking only while the event loop gets turns during the verification.
    let ticks = 0
    let running = true
    const tick = () => {
      ticks++
      if (running) setTimeout(tick, 0)
    }
    const result = idp.audit.verify(org, { full: true }).finally(() => (running = false))
    setTimeout(tick, 0)
    expect(await result).toMatchObject({ verified: true, checkedCount: 4000 })
    // 4000 events are 16 batches of 250, each followed by a turn of the event loop.
    expect(ticks).toBeGreaterThanOrEqual(10)
  })
})
