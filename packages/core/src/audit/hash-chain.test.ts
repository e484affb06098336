import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '../model.js'
import { GENESIS_HASH, computeAuditHash, linkAuditEvent, verifyAuditChain } from './hash-chain.js'

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = []
  for (let i = 0; i < n; i++) {
    const last = out.at(-1)
    out.push(
      linkAuditEvent(
        {
          eventId: `e${i}`,
          organizationId: 'org',
          timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
          action: 'agent.updated',
          outcome: 'success',
          actor: 'a',
          agentId: null,
          ip: null,
          details: { i },
        },
        last === undefined ? null : { seq: last.seq, hash: last.hash },
      ),
    )
  }
  return out
}

describe('audit hash chain', () => {
  it('links from the genesis hash with gap-free seq', () => {
    const c = chain(3)
    expect(c.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(c[0]?.prevHash).toBe(GENESIS_HASH)
    expect(c[1]?.prevHash).toBe(c[0]?.hash)
    expect(verifyAuditChain(c, GENESIS_HASH)).toEqual({ verified: true, checkedCount: 3, headHash: c[2]?.hash })
  })

  it('has a known-answer hash (canonical bytes ‖ prevHash)', () => {
    const [first] = chain(1)
    // SHA-256 over '{"action":"agent.updated","actor":"a","agentId":null,"details":{"i":0},"eventId":"e0","ip":null,
    // "organizationId":"org","outcome":"success","seq":1,"timestamp":"2026-01-01T00:00:00.000Z"}' + 64 × '0'
    expect(first?.hash).toBe(computeAuditHash({ ...first!, seq: 1 }, GENESIS_HASH))
    expect(first?.hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('detects an edited field, a deleted row, swapped rows and an inserted row', () => {
    const c = chain(5)
    const edited = c.map((e) => (e.seq === 3 ? { ...e, details: { i: 99 } } : e))
    expect(verifyAuditChain(edited, GENESIS_HASH)).toMatchObject({ verified: false, brokenAtEventId: 'e2' })
    const deleted = c.filter((e) => e.seq !== 2)
    expect(verifyAuditChain(deleted, GENESIS_HASH)).toMatchObject({ verified: false, brokenAtEventId: 'e2' })
    const swapped = [c[0]!, c[2]!, c[1]!, c[3]!, c[4]!]
    expect(verifyAuditChain(swapped, GENESIS_HASH).verified).toBe(false)
    const forged = linkAuditEvent({ ...c[1]!, eventId: 'forged' }, { seq: 2, hash: c[1]!.hash })
    expect(verifyAuditChain([c[0]!, c[1]!, forged, ...c.slice(2)], GENESIS_HASH).verified).toBe(false)
  })
})
