/**
 * Storage contract: `audit` (hash-chained, gap-free, serialised per organization).
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AuditEvent, AuditHead } from '../../model.js'
import type { AuditFilter, Storage } from '../../ports/storage.js'
import { at, auditLink, collectPages, GENESIS_HASH } from './records.js'

/** Asserts that `events` are the links 1..n of one unbroken chain. */
function expectUnbrokenChain(events: AuditEvent[], n: number): void {
  expect(events.map((e) => e.seq)).toStrictEqual(Array.from({ length: n }, (_, i) => i + 1))
  events.forEach((event, i) => {
    expect(event.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]?.hash)
  })
  expect(new Set(events.map((e) => e.hash)).size).toBe(n)
}

/** Registers the audit cases; `storage()` is the current test's fresh storage. */
export function auditContract(storage: () => Storage): void {
  async function appendMany(orgId: string, n: number): Promise<AuditEvent[]> {
    const events: AuditEvent[] = []
    for (let i = 0; i < n; i++) events.push(await storage().audit.append(orgId, auditLink(orgId)))
    return events
  }

  async function listAll(orgId: string, filter: AuditFilter, limit = 3): Promise<number[]> {
    const { items } = await collectPages(limit, (cursor) => storage().audit.list(orgId, filter, { limit, cursor }))
    return items.map((e) => e.seq)
  }

  describe('audit', () => {
    it('append() passes the head to link, stores its event and moves head()', async () => {
      const orgId = randomUUID()
      expect(await storage().audit.head(orgId)).toBeNull()
      const heads: (AuditHead | null)[] = []
      const link = auditLink(orgId, { agentId: randomUUID(), ip: null, outcome: 'failure', details: {} })
      const first = await storage().audit.append(orgId, (head) => {
        heads.push(head)
        return link(head)
      })
      expect(await storage().audit.head(orgId)).toStrictEqual({ seq: 1, hash: first.hash })
      const second = await storage().audit.append(orgId, (head) => {
        heads.push(head)
        return auditLink(orgId)(head)
      })
      expect(heads).toStrictEqual([null, { seq: 1, hash: first.hash }])
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash })
      expect(await storage().audit.head(orgId)).toStrictEqual({ seq: 2, hash: second.hash })
      expect(await storage().audit.range(orgId, 1, 10)).toStrictEqual([first, second])
    })

    it('append() returns and range() round-trips every field exactly', async () => {
      const orgId = randomUUID()
      let expected: AuditEvent | undefined
      const appended = await storage().audit.append(orgId, (head) => {
        expected = auditLink(orgId, { agentId: randomUUID(), actor: 'agent:Ünïcode', action: 'token.issued' })(head)
        return expected
      })
      expect(appended).toStrictEqual(expected)
      expect(await storage().audit.range(orgId, 1, 1)).toStrictEqual([expected])
    })

    it('keeps one gap-free chain under 20 concurrent appends, each in its own transaction', async () => {
      const orgId = randomUUID()
      await Promise.all(
        Array.from({ length: 20 }, () => storage().transaction((tx) => tx.audit.append(orgId, auditLink(orgId)))),
      )
      const events = await storage().audit.range(orgId, 1, 100)
      expectUnbrokenChain(events, 20)
      expect(await storage().audit.head(orgId)).toStrictEqual({ seq: 20, hash: events[19]?.hash })
    })

    it('keeps one gap-free chain under 20 concurrent appends outside a transaction', async () => {
      const orgId = randomUUID()
      await Promise.all(Array.from({ length: 20 }, () => storage().audit.append(orgId, auditLink(orgId))))
      expectUnbrokenChain(await storage().audit.range(orgId, 1, 100), 20)
    })

    it('keeps one chain per organization', async () => {
      const a = randomUUID()
      const b = randomUUID()
      await Promise.all([appendMany(a, 3), appendMany(b, 2)])
      expectUnbrokenChain(await storage().audit.range(a, 1, 10), 3)
      expectUnbrokenChain(await storage().audit.range(b, 1, 10), 2)
      expect(await storage().audit.head(randomUUID())).toBeNull()
      expect(await storage().audit.range(randomUUID(), 1, 10)).toStrictEqual([])
    })

    it('range() returns events with seq >= fromSeq, ascending, at most limit', async () => {
      const orgId = randomUUID()
      const events = await appendMany(orgId, 6)
      expect(await storage().audit.range(orgId, 3, 2)).toStrictEqual(events.slice(2, 4))
      expect(await storage().audit.range(orgId, 5, 10)).toStrictEqual(events.slice(4))
      expect(await storage().audit.range(orgId, 7, 10)).toStrictEqual([])
      expect(await storage().audit.range(orgId, 1, 100)).toStrictEqual(events)
    })

    it('list() pages newest first without duplicates or misses', async () => {
      const orgId = randomUUID()
      const events = await appendMany(orgId, 8)
      await appendMany(randomUUID(), 2)
      const first = await storage().audit.list(orgId, {}, { limit: 3 })
      expect(first.items).toStrictEqual([...events].reverse().slice(0, 3))
      for (const limit of [1, 3, 8, 20]) expect(await listAll(orgId, {}, limit)).toStrictEqual([8, 7, 6, 5, 4, 3, 2, 1])
      expect(await storage().audit.list(randomUUID(), {}, { limit: 5 })).toStrictEqual({ items: [], nextCursor: null })
    })

    it('list() filters by action, agentId, outcome and [from, to)', async () => {
      const orgId = randomUUID()
      const agentId = randomUUID()
      const specs = [
        { action: 'agent.created', agentId, outcome: 'success' },
        { action: 'token.issued', agentId, outcome: 'success' },
        { action: 'token.issued', agentId: null, outcome: 'failure' },
        { action: 'agent.created', agentId: randomUUID(), outcome: 'success' },
        { action: 'token.issued', agentId, outcome: 'failure' },
      ] as const
      // auditLink stamps event `seq` at at(seq * 1000).
      for (const spec of specs) await storage().audit.append(orgId, auditLink(orgId, spec))
      expect(await listAll(orgId, { action: 'token.issued' })).toStrictEqual([5, 3, 2])
      expect(await listAll(orgId, { agentId })).toStrictEqual([5, 2, 1])
      expect(await listAll(orgId, { outcome: 'failure' })).toStrictEqual([5, 3])
      expect(await listAll(orgId, { outcome: 'success' }, 1)).toStrictEqual([4, 2, 1])
      expect(await listAll(orgId, { from: at(2_000) })).toStrictEqual([5, 4, 3, 2])
      expect(await listAll(orgId, { to: at(4_000) })).toStrictEqual([3, 2, 1])
      expect(await listAll(orgId, { from: at(2_000), to: at(4_000) })).toStrictEqual([3, 2])
      expect(await listAll(orgId, { from: at(3_001), to: at(3_999) })).toStrictEqual([])
      expect(await listAll(orgId, { action: 'token.issued', agentId, outcome: 'failure' })).toStrictEqual([5])
      expect(await listAll(orgId, { action: 'agent.deleted' })).toStrictEqual([])
      expect(await listAll(randomUUID(), { action: 'token.issued' })).toStrictEqual([])
    })
  })
}
