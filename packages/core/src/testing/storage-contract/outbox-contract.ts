/**
 * Storage contract: outbox cursors (`auditConsumers`) and job runs (`jobRuns`) — what makes a
 * consumer at-least-once without concurrent double processing, and a job once per tick.
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Storage } from '../../ports/storage.js'
import { at, auditLink, newOrganization } from './records.js'

/** Registers the outbox and job-run cases; `storage()` is the current test's fresh storage. */
export function outboxContract(storage: () => Storage): void {
  async function orgWithEvents(n: number, deleted = false): Promise<string> {
    const org = newOrganization()
    await storage().organizations.insert(org)
    for (let i = 0; i < n; i++) await storage().audit.append(org.organizationId, auditLink(org.organizationId))
    if (deleted) await storage().organizations.delete(org.organizationId, at(5))
    return org.organizationId
  }

  describe('auditConsumers', () => {
    it('pending() lists organizations (deleted ones too) with events past the cursor, ordered by id', async () => {
      const a = await orgWithEvents(2)
      const b = await orgWithEvents(1, true)
      await orgWithEvents(0)
      const pending = await storage().auditConsumers.pending('c1', 10)
      expect(pending).toStrictEqual(
        [
          { organizationId: a, position: 0 },
          { organizationId: b, position: 0 },
        ].sort((x, y) => (x.organizationId < y.organizationId ? -1 : 1)),
      )
      expect(await storage().auditConsumers.pending('c1', 1)).toHaveLength(1)
    })

    it('claim() starts at 0; advance() moves the cursor of that consumer only, and commits with the transaction', async () => {
      const a = await orgWithEvents(3)
      await storage().transaction(async (tx) => {
        expect(await tx.auditConsumers.claim('c1', a)).toBe(0)
        await tx.auditConsumers.advance('c1', a, 2, at(10))
      })
      expect(await storage().auditConsumers.pending('c1', 10)).toStrictEqual([{ organizationId: a, position: 2 }])
      expect(await storage().auditConsumers.pending('c2', 10)).toStrictEqual([{ organizationId: a, position: 0 }])
      await storage().transaction(async (tx) => {
        expect(await tx.auditConsumers.claim('c1', a)).toBe(2)
        await tx.auditConsumers.advance('c1', a, 3, at(11))
      })
      expect(await storage().auditConsumers.pending('c1', 10)).toStrictEqual([])
      expect(await storage().auditConsumers.positions('c1')).toStrictEqual([{ organizationId: a, position: 3 }])
    })

    it('an advance rolls back with its transaction: the batch is delivered again', async () => {
      const a = await orgWithEvents(2)
      const boom = new Error('handler crashed')
      await expect(
        storage().transaction(async (tx) => {
          await tx.auditConsumers.claim('c1', a)
          await tx.auditConsumers.advance('c1', a, 2, at(10))
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await storage().auditConsumers.pending('c1', 10)).toStrictEqual([{ organizationId: a, position: 0 }])
    })

    it('concurrent claims never hand out the same position twice (the loser skips or waits)', async () => {
      const a = await orgWithEvents(10)
      const seen: number[] = []
      await Promise.all(
        Array.from({ length: 8 }, () =>
          storage().transaction(async (tx) => {
            const position = await tx.auditConsumers.claim('c1', a)
            if (position === null) return
            seen.push(position)
            await tx.auditConsumers.advance('c1', a, position + 1, at(position))
          }),
        ),
      )
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen.length).toBeGreaterThanOrEqual(1)
      const [cursor] = await storage().auditConsumers.positions('c1')
      expect(cursor?.position).toBe(seen.length)
    })
  })

  describe('jobRuns', () => {
    const lease = (ms: number) => at(ms)

    it('claim() succeeds once per tick, and not while an earlier run holds its lease', async () => {
      const jobs = storage().jobRuns
      expect(await jobs.claim('core.x', 5, at(0), lease(60_000))).toBe(true)
      expect(await jobs.claim('core.x', 5, at(1), lease(60_000))).toBe(false)
      expect(await jobs.claim('core.x', 4, at(1), lease(60_000))).toBe(false)
      // Tick 6 while tick 5's lease lasts: refused; after its release: granted.
      expect(await jobs.claim('core.x', 6, at(2), lease(60_000))).toBe(false)
      await jobs.release('core.x', 5, at(3))
      expect(await jobs.claim('core.x', 6, at(4), lease(60_000))).toBe(true)
      // A lease that has expired no longer blocks (a crashed run).
      expect(await jobs.claim('core.x', 7, at(60_001), lease(120_000))).toBe(true)
      // Other jobs are independent.
      expect(await jobs.claim('core.y', 5, at(0), lease(60_000))).toBe(true)
    })

    it('release() of an older tick does not end the current run', async () => {
      const jobs = storage().jobRuns
      expect(await jobs.claim('core.x', 1, at(0), lease(10))).toBe(true)
      expect(await jobs.claim('core.x', 2, at(20), lease(60_000))).toBe(true)
      await jobs.release('core.x', 1, at(21))
      expect(await jobs.claim('core.x', 3, at(22), lease(60_000))).toBe(false)
    })

    it('exactly one of 10 concurrent claims of a tick wins', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => storage().jobRuns.claim('core.race', 9, at(0), lease(60_000))))
      expect(results.filter(Boolean)).toHaveLength(1)
    })
  })
}
