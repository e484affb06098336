/**
 * The analytics repository contract, on memory, PGlite and PostgreSQL: increments are exact and
 * additive, ranges are `[from, to)`, rows without an agent stay out of per-agent totals, last
 * activity never moves back, organizations never see each other's rows, and a rolled-back
 * transaction leaves nothing behind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TARGETS, type TargetInstance } from './targets.js'
import type { HourlyCount } from '../src/metrics.js'
import { analyticsRepository } from '../src/storage.js'

const H = 3_600_000
const t0 = new Date('2026-03-01T00:00:00Z')
const at = (hours: number) => new Date(t0.getTime() + hours * H)
const row = (organizationId: string, agentId: string, hours: number, metric: HourlyCount['metric'], count: number): HourlyCount => ({
  organizationId,
  agentId,
  hour: at(hours),
  metric,
  count,
})

for (const target of TARGETS) {
  describe(`analytics repository (${target.name})`, () => {
    let db: TargetInstance
    beforeEach(async () => {
      db = await target.create()
    })
    afterEach(async () => db.teardown())
    const repo = () => analyticsRepository(db.storage)

    it('adds counts to the same key and sums per hour over agents', async () => {
      await db.storage.transaction(async (tx) => {
        await analyticsRepository(tx).add([row('o1', 'a1', 0, 'tokens_issued', 2), row('o1', 'a2', 0, 'tokens_issued', 3), row('o1', '', 1, 'failed_auth', 1)])
      })
      await db.storage.transaction(async (tx) => {
        await analyticsRepository(tx).add([row('o1', 'a1', 0, 'tokens_issued', 5)])
      })
      expect(await repo().hourly('o1', at(0), at(2))).toEqual([
        { hour: at(0), metric: 'tokens_issued', count: 10 },
        { hour: at(1), metric: 'failed_auth', count: 1 },
      ])
      // [from, to): the hour starting at `to` is out.
      expect(await repo().hourly('o1', at(0), at(1))).toEqual([{ hour: at(0), metric: 'tokens_issued', count: 10 }])
      expect(await repo().hourly('o1', at(1), at(1))).toEqual([])
    })

    it('totals per agent over UTC days, without the rows of no agent', async () => {
      await repo().add([row('o1', 'a1', 0, 'api_calls', 4), row('o1', 'a1', 30, 'api_calls', 6), row('o1', 'a2', 3, 'delegations', 1), row('o1', '', 3, 'failed_auth', 9)])
      const byId = (rows: { agentId: string }[]) => rows.sort((a, b) => a.agentId.localeCompare(b.agentId))
      expect(byId(await repo().byAgent('o1', at(0), at(48)))).toEqual([
        { agentId: 'a1', metric: 'api_calls', count: 10 },
        { agentId: 'a2', metric: 'delegations', count: 1 },
      ])
      // Whole days: from 01:00 means from that day's midnight; [day 1, day 2) is the first day only.
      expect(byId(await repo().byAgent('o1', at(1), at(24)))).toEqual([
        { agentId: 'a1', metric: 'api_calls', count: 4 },
        { agentId: 'a2', metric: 'delegations', count: 1 },
      ])
      expect(await repo().byAgent('o1', at(24), at(48))).toEqual([{ agentId: 'a1', metric: 'api_calls', count: 6 }])
      // The hourly totals include the events of no agent.
      expect(await repo().hourly('o1', at(3), at(4))).toEqual([
        { hour: at(3), metric: 'delegations', count: 1 },
        { hour: at(3), metric: 'failed_auth', count: 9 },
      ])
    })

    it('groups in the database by UTC day, by day of week and hour, or in all', async () => {
      // t0 is Sunday 2026-03-01 00:00 UTC.
      await repo().add([row('o1', 'a1', 1, 'tokens_issued', 2), row('o1', 'a2', 23, 'tokens_issued', 3), row('o1', '', 24 + 1, 'tokens_issued', 4), row('o1', 'a1', 7 * 24 + 1, 'api_calls', 5), row('o2', 'a1', 1, 'tokens_issued', 9)])
      const sorted = (rows: { key: string; metric: string }[]) => rows.sort((a, b) => (a.key + a.metric).localeCompare(b.key + b.metric))
      expect(sorted(await repo().grouped('o1', at(0), at(8 * 24), 'day'))).toEqual([
        { key: '2026-03-01', metric: 'tokens_issued', count: 5 },
        { key: '2026-03-02', metric: 'tokens_issued', count: 4 },
        { key: '2026-03-08', metric: 'api_calls', count: 5 },
      ])
      expect(sorted(await repo().grouped('o1', at(0), at(8 * 24), 'weekhour'))).toEqual([
        { key: '0:1', metric: 'api_calls', count: 5 },
        { key: '0:1', metric: 'tokens_issued', count: 2 },
        { key: '0:23', metric: 'tokens_issued', count: 3 },
        { key: '1:1', metric: 'tokens_issued', count: 4 },
      ])
      expect(sorted(await repo().grouped('o1', at(1), at(25), 'none'))).toEqual([{ key: '', metric: 'tokens_issued', count: 5 }])
    })

    it('keeps organizations apart', async () => {
      await repo().add([row('o1', 'a1', 0, 'tokens_issued', 1), row('o2', 'a1', 0, 'tokens_issued', 7)])
      await repo().touch('o2', [{ agentId: 'a1', at: at(5) }])
      expect(await repo().hourly('o1', at(0), at(1))).toEqual([{ hour: at(0), metric: 'tokens_issued', count: 1 }])
      expect(await repo().byAgent('o1', at(0), at(1))).toEqual([{ agentId: 'a1', metric: 'tokens_issued', count: 1 }])
      expect(await repo().lastActive('o1', ['a1'])).toEqual(new Map())
      expect(await repo().hourly('o3', at(0), at(1))).toEqual([])
    })

    it('moves last activity forward only', async () => {
      await repo().touch('o1', [{ agentId: 'a1', at: at(5) }, { agentId: 'a1', at: at(3) }, { agentId: 'a2', at: at(1) }])
      await repo().touch('o1', [{ agentId: 'a1', at: at(4) }, { agentId: 'a2', at: at(2) }])
      expect(await repo().lastActive('o1', ['a1', 'a2', 'a3'])).toEqual(new Map([['a1', at(5)], ['a2', at(2)]]))
    })

    it('rolls back with the transaction', async () => {
      await repo().add([row('o1', 'a1', 0, 'tokens_issued', 1)])
      await expect(
        db.storage.transaction(async (tx) => {
          await analyticsRepository(tx).add([row('o1', 'a1', 0, 'tokens_issued', 5), row('o1', 'a9', 2, 'api_calls', 1)])
          await analyticsRepository(tx).touch('o1', [{ agentId: 'a9', at: at(2) }])
          throw new Error('abort')
        }),
      ).rejects.toThrow('abort')
      expect(await repo().hourly('o1', at(0), at(3))).toEqual([{ hour: at(0), metric: 'tokens_issued', count: 1 }])
      expect(await repo().lastActive('o1', ['a9'])).toEqual(new Map())
    })

    it('writes many rows in one call (chunked)', async () => {
      const rows = Array.from({ length: 2500 }, (_, i) => row('o1', `a${i}`, i % 24, 'api_calls', 1))
      await repo().add(rows)
      const total = (await repo().hourly('o1', at(0), at(24))).reduce((n, r) => n + r.count, 0)
      expect(total).toBe(2500)
    })
  })
}
