/**
 * Storage contract: audit retention (`findEvent`, `purge`) and signed checkpoints.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AuditCheckpoint } from '../../model.js'
import type { Storage } from '../../ports/storage.js'
import { at, auditLink } from './records.js'

function checkpoint(organizationId: string, size: number, issuedAtMs: number): AuditCheckpoint {
  return { checkpointId: randomUUID(), organizationId, size, headHash: `h${size}`.padEnd(64, '0'), issuedAt: at(issuedAtMs), signature: `sig-${size}-${issuedAtMs}` }
}

/** Registers the checkpoint and retention cases. */
export function auditCheckpointContract(storage: () => Storage): void {
  describe('audit retention and checkpoints', () => {
    it('appendMany() links each event to the previous one, and stores none when a link throws', async () => {
      const orgId = randomUUID()
      const first = await storage().audit.append(orgId, auditLink(orgId))
      const heads: (number | null)[] = []
      const link = auditLink(orgId)
      const batch = await storage().audit.appendMany(
        orgId,
        Array.from({ length: 3 }, () => (head: Parameters<typeof link>[0]) => {
          heads.push(head?.seq ?? null)
          return link(head)
        }),
      )
      expect(heads).toStrictEqual([1, 2, 3])
      expect(batch.map((e) => e.seq)).toStrictEqual([2, 3, 4])
      expect(batch[0]?.prevHash).toBe(first.hash)
      expect(batch[2]?.prevHash).toBe(batch[1]?.hash)
      expect(await storage().audit.range(orgId, 1, 10)).toStrictEqual([first, ...batch])
      expect(await storage().audit.appendMany(orgId, [])).toStrictEqual([])
      await expect(
        storage().audit.appendMany(orgId, [
          auditLink(orgId),
          () => {
            throw new Error('bad link')
          },
        ]),
      ).rejects.toThrow('bad link')
      expect(await storage().audit.head(orgId)).toStrictEqual({ seq: 4, hash: batch[2]?.hash })
    })

    it('appendMany() batches from concurrent transactions interleave into one gap-free chain', async () => {
      const orgId = randomUUID()
      await Promise.all(
        Array.from({ length: 8 }, () =>
          storage().transaction((tx) => tx.audit.appendMany(orgId, [auditLink(orgId), auditLink(orgId), auditLink(orgId)])),
        ),
      )
      const events = await storage().audit.range(orgId, 1, 100)
      expect(events.map((e) => e.seq)).toStrictEqual(Array.from({ length: 24 }, (_, i) => i + 1))
      events.forEach((e, i) => {
        if (i > 0) expect(e.prevHash).toBe(events[i - 1]?.hash)
      })
    })

    it('findEvent() finds by id within the organization only', async () => {
      const orgId = randomUUID()
      const e = await storage().audit.append(orgId, auditLink(orgId))
      expect(await storage().audit.findEvent(orgId, e.eventId)).toStrictEqual(e)
      expect(await storage().audit.findEvent(randomUUID(), e.eventId)).toBeNull()
      expect(await storage().audit.findEvent(orgId, randomUUID())).toBeNull()
    })

    it('purge() deletes through a seq, keeps the rest, and appends keep linking to the head', async () => {
      const orgId = randomUUID()
      const other = randomUUID()
      for (let i = 0; i < 5; i++) await storage().audit.append(orgId, auditLink(orgId))
      await storage().audit.append(other, auditLink(other))
      expect(await storage().audit.purge(orgId, 3)).toBe(3)
      expect((await storage().audit.range(orgId, 0, 10)).map((e) => e.seq)).toStrictEqual([4, 5])
      expect(await storage().audit.range(other, 0, 10)).toHaveLength(1)
      const head = await storage().audit.head(orgId)
      const next = await storage().audit.append(orgId, auditLink(orgId))
      expect(next).toMatchObject({ seq: 6, prevHash: head?.hash })
      expect(await storage().audit.purge(orgId, 3)).toBe(0)
    })

    it('purge() inside a failed transaction is rolled back', async () => {
      const orgId = randomUUID()
      for (let i = 0; i < 3; i++) await storage().audit.append(orgId, auditLink(orgId))
      await expect(
        storage().transaction(async (tx) => {
          await tx.audit.purge(orgId, 2)
          await tx.auditCheckpoints.insert(checkpoint(orgId, 2, 0))
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect(await storage().audit.range(orgId, 0, 10)).toHaveLength(3)
      expect(await storage().auditCheckpoints.latest(orgId)).toBeNull()
    })

    it('checkpoints: latest, findCovering and findBySize pick the documented row', async () => {
      const orgId = randomUUID()
      expect(await storage().auditCheckpoints.latest(orgId)).toBeNull()
      const c5old = checkpoint(orgId, 5, 0)
      const c5new = checkpoint(orgId, 5, 1000)
      const c9 = checkpoint(orgId, 9, 500)
      const c2 = checkpoint(orgId, 2, 2000)
      for (const c of [c5new, c9, c2, c5old]) await storage().auditCheckpoints.insert(c)
      await storage().auditCheckpoints.insert(checkpoint(randomUUID(), 50, 0))
      expect(await storage().auditCheckpoints.latest(orgId)).toStrictEqual(c9)
      expect(await storage().auditCheckpoints.findCovering(orgId, 3)).toStrictEqual(c5old)
      expect(await storage().auditCheckpoints.findCovering(orgId, 6)).toStrictEqual(c9)
      expect(await storage().auditCheckpoints.findCovering(orgId, 10)).toBeNull()
      expect(await storage().auditCheckpoints.findBySize(orgId, 5)).toStrictEqual(c5new)
      expect(await storage().auditCheckpoints.findBySize(orgId, 4)).toBeNull()
    })
  })
}
