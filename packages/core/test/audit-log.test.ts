/** Audit group commit, checkpoints, proofs, retention and the offline verifier on memory ports. */
import { describe, expect, it } from 'vitest'
import { createIdp, createLocalKeyStore, createMemoryStorage, verifyAuditLog, type Storage } from '../src/index.js'
import { ADMIN_SECRET, ctxFor, tokenFor } from './helpers.js'

/** A memory storage that counts committed transactions. */
/** Counts commits: transactions, and audit appends outside any (each its own commit). */
function countingStorage(): { storage: Storage; commits: () => number } {
  const inner = createMemoryStorage()
  let n = 0
  const storage: Storage = {
    ...inner,
    transaction: async (work) => {
      const r = await inner.transaction(work)
      n++
      return r
    },
    audit: {
      ...inner.audit,
      appendMany: async (organizationId, links) => {
        const r = await inner.audit.appendMany(organizationId, links)
        n++
        return r
      },
    },
  }
  return { storage, commits: () => n }
}

async function setupAt(clock: () => Date, storage: Storage = createMemoryStorage()) {
  const keys = createLocalKeyStore({ storage, masterKey: 'k'.repeat(40), clock })
  const idp = createIdp({ issuer: 'http://idp.test', storage, keys, clock })
  await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
  const admin = await ctxFor(idp, await tokenFor(idp, 'admin', ADMIN_SECRET))
  return { idp, admin, keys, storage }
}

describe('audit log', () => {
  it('group-commits concurrent token issuance: fewer transactions than events, every event durable', async () => {
    const { storage, commits } = countingStorage()
    const { idp, admin } = await setupAt(() => new Date(), storage)
    const before = commits()
    const tokens = await Promise.all(Array.from({ length: 40 }, () => tokenFor(idp, 'admin', ADMIN_SECRET)))
    const used = commits() - before
    expect(used).toBeLessThan(40)
    expect(used).toBeGreaterThanOrEqual(1)
    const events = await idp.audit.list(admin, { action: 'token.issued', limit: 100 })
    const jtis = new Set(events.items.map((e) => e.details['jti']))
    for (const t of tokens) expect(jtis.has(JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).jti)).toBe(true)
    expect((await idp.audit.verify(admin, {})).verified).toBe(true)
  })

  it('a failed group commit fails the token request (no token without its event)', async () => {
    const inner = createMemoryStorage()
    let failing = false
    const storage: Storage = {
      ...inner,
      transaction: (work) => (failing ? Promise.reject(new Error('disk full')) : inner.transaction(work)),
      audit: { ...inner.audit, appendMany: (org, links) => (failing ? Promise.reject(new Error('disk full')) : inner.audit.appendMany(org, links)) },
    }
    const { idp } = await setupAt(() => new Date(), storage)
    failing = true
    await expect(tokenFor(idp, 'admin', ADMIN_SECRET)).rejects.toThrow('disk full')
  })

  it('checkpoints, proofs and the offline verifier', async () => {
    const { idp, admin } = await setupAt(() => new Date())
    for (let i = 0; i < 3; i++) await tokenFor(idp, 'admin', ADMIN_SECRET)
    const cp = await idp.audit.createCheckpoint(admin)
    const head = (await idp.audit.list(admin, { limit: 1 })).items[0]!
    expect(cp).toMatchObject({ size: head.seq, headHash: head.hash, organizationId: admin.auth.organizationId })
    expect(await idp.audit.createCheckpoint(admin)).toEqual(cp) // head unchanged → same checkpoint
    const jwks = await idp.jwks()
    const events = []
    for await (const e of idp.audit.export(admin, {})) events.push(e)
    expect(await verifyAuditLog({ checkpoint: cp, jwks: { keys: [...jwks.keys] }, events })).toEqual({ verified: true, checkedCount: cp.size })

    const target = events[2]!
    const proof = await idp.audit.proof(admin, target.eventId)
    expect(proof.events[0]).toEqual(target)
    expect(await verifyAuditLog({ checkpoint: proof.checkpoint, jwks: { keys: [...jwks.keys] }, events: proof.events, mode: 'none' })).toMatchObject({ verified: true })

    const keys = { keys: [...jwks.keys] }
    const edited = events.map((e) => (e.seq === 2 ? { ...e, actor: 'mallory' } : e))
    expect(await verifyAuditLog({ checkpoint: cp, jwks: keys, events: edited })).toMatchObject({ verified: false, reason: 'hash chain broken' })
    expect(await verifyAuditLog({ checkpoint: cp, jwks: keys, events: events.slice(0, -1) })).toMatchObject({ verified: false })
    expect(await verifyAuditLog({ checkpoint: { ...cp, size: cp.size - 1 }, jwks: keys, events })).toMatchObject({ verified: false, reason: 'checkpoint signature is invalid' })
    expect(await verifyAuditLog({ checkpoint: cp, jwks: { keys: [] }, events })).toMatchObject({ verified: false })
  })

  it('verify is limited to 30 calls a minute per organization', async () => {
    const { idp, admin } = await setupAt(() => new Date('2026-03-01T00:00:05Z'))
    for (let i = 0; i < 30; i++) await idp.audit.verify(admin, {})
    await expect(idp.audit.verify(admin, {})).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 55 })
  })

  it('retention purges old events and keeps the rest verifiable through a signed anchor', async () => {
    let now = new Date('2026-01-01T00:00:00Z')
    const { idp, admin } = await setupAt(() => now)
    for (let i = 0; i < 3; i++) await tokenFor(idp, 'admin', ADMIN_SECRET)
    const oldHead = (await idp.audit.list(admin, { limit: 1 })).items[0]!
    now = new Date('2026-04-15T00:00:00Z') // > 90 days later
    const admin2 = await ctxFor(idp, await tokenFor(idp, 'admin', ADMIN_SECRET))
    const removed = await idp.audit.purgeExpired()
    expect(removed).toBe(oldHead.seq)
    const remaining = []
    for await (const e of idp.audit.export(admin2, {})) remaining.push(e)
    expect(remaining[0]?.seq).toBe(oldHead.seq + 1)
    expect(remaining[0]?.prevHash).toBe(oldHead.hash)
    expect(remaining.at(-1)?.action).toBe('audit.purged')
    expect(await idp.audit.verify(admin2, {})).toMatchObject({ verified: true, checkedCount: remaining.length })
    const cp = await idp.audit.createCheckpoint(admin2)
    const jwks = { keys: [...(await idp.jwks()).keys] }
    expect(await verifyAuditLog({ checkpoint: cp, jwks, events: remaining })).toMatchObject({ verified: false, reason: 'no anchor checkpoint for the first event' })
    // The anchor is the checkpoint of the last purged event; an auditor fetches it by size.
    const anchor = await idp.audit.checkpointOfSize(admin2, remaining[0]!.seq - 1)
    expect(anchor.headHash).toBe(oldHead.hash)
    expect(await verifyAuditLog({ checkpoint: cp, jwks, events: remaining, anchor })).toEqual({ verified: true, checkedCount: remaining.length })
    const forgedAnchor = { ...anchor, headHash: 'f'.repeat(64) }
    expect(await verifyAuditLog({ checkpoint: cp, jwks, events: remaining, anchor: forgedAnchor })).toMatchObject({ verified: false })
  })
})
