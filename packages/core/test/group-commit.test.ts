/** The audit batcher's batch boundaries: what shares a commit, and what a failure takes down with it. */
import { describe, expect, it } from 'vitest'
import { createAuditBatcher, createMemoryStorage, verifyAuditChain, type Storage } from '../src/index.js'

const input = (organizationId: string, n: number) => ({
  organizationId,
  action: 'token.issued' as const,
  actor: 'test',
  ip: '127.0.0.1',
  details: { jti: `j${n}`, clientId: 'c', grantType: 'client_credentials', scope: '', expiresAt: 0 },
})

/** A memory storage that records the size of every appendMany and every transaction. */
function recording(failOrg?: string) {
  const inner = createMemoryStorage()
  const appends: { org: string; size: number; inTx: boolean }[] = []
  let transactions = 0
  const storage: Storage = {
    ...inner,
    audit: {
      ...inner.audit,
      appendMany: async (org, links) => {
        appends.push({ org, size: links.length, inTx: false })
        if (org === failOrg) throw new Error(`${org} unavailable`)
        return inner.audit.appendMany(org, links)
      },
    },
    transaction: (work) => {
      transactions++
      return inner.transaction((tx) =>
        work({
          ...tx,
          audit: {
            ...tx.audit,
            appendMany: (org, links) => {
              appends.push({ org, size: links.length, inTx: true })
              return tx.audit.appendMany(org, links)
            },
          },
        }),
      )
    },
  }
  return { storage, inner, appends, transactions: () => transactions }
}

describe('audit group commit', () => {
  it('never puts more than maxBatch events in one commit, and chains them in arrival order', async () => {
    const { storage, inner, appends } = recording()
    const batcher = createAuditBatcher({ storage, clock: () => new Date(), maxBatch: 3 })
    const events = await Promise.all(Array.from({ length: 8 }, (_, n) => batcher.append(input('o1', n))))
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(events.map((e) => e.details['jti'])).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7'])
    expect(appends.every((a) => a.size <= 3 && !a.inTx)).toBe(true)
    expect(appends.length).toBeLessThan(8)
    expect(verifyAuditChain(await inner.audit.range('o1', 1, 100), null).verified).toBe(true)
  })

  it("events alone commit per organization: one organization's failure rejects only its own callers", async () => {
    const { storage, inner, transactions } = recording('bad')
    const batcher = createAuditBatcher({ storage, clock: () => new Date() })
    const results = await Promise.allSettled([batcher.append(input('good', 1)), batcher.append(input('bad', 2)), batcher.append(input('good', 3))])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(transactions()).toBe(0)
    expect((await inner.audit.range('good', 1, 10)).length).toBe(2)
    expect(await inner.audit.head('bad')).toBeNull()
  })

  it('an event with a state change commits with it in one transaction; a failing change stores neither', async () => {
    const { storage, inner, appends, transactions } = recording()
    const batcher = createAuditBatcher({ storage, clock: () => new Date() })
    const revoked = { jti: 'r1', organizationId: 'o1', expiresAt: new Date(Date.now() + 60_000), revokedAt: new Date() }
    await batcher.append(input('o1', 1), (tx) => tx.revocations.insert(revoked))
    expect(transactions()).toBe(1)
    expect(appends).toEqual([{ org: 'o1', size: 1, inTx: true }])
    expect(await inner.revocations.isRevoked('r1')).toBe(true)

    await expect(
      batcher.append(input('o1', 2), async () => {
        throw new Error('constraint')
      }),
    ).rejects.toThrow('constraint')
    expect((await inner.audit.head('o1'))?.seq).toBe(1)
  })
})
