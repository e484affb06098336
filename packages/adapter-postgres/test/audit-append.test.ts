/**
 * The one-statement audit append (`sentryagent_audit_append()`, migration 0007) and the head hints
 * it links to: on real PostgreSQL, two storages on one schema stand for two server processes; the
 * chain must stay gap-free and verifiable whichever of them appends, inside or outside a
 * transaction, with hints that are stale or point at rolled-back events.
 */
import { randomUUID } from 'node:crypto'
import { linkAuditEvent, verifyAuditChain, type AuditEvent, type AuditHead, type Storage } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createPgliteStorage, createPostgresStorage } from '../src/index.js'
import { DATABASE_URL, adminQuery, probePostgres, randomSchema } from './postgres-fixture.js'

const postgres = await serviceReachable('postgres', probePostgres)

function unlinked(organizationId: string, n: number) {
  return {
    eventId: randomUUID(),
    organizationId,
    timestamp: new Date(),
    action: 'token.issued',
    outcome: 'success' as const,
    actor: 'test',
    agentId: null,
    ip: '127.0.0.1',
    details: { n },
  }
}

const links = (organizationId: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const event = unlinked(organizationId, from + i)
    return (head: AuditHead | null) => linkAuditEvent(event, head)
  })

async function chainOf(storage: Storage, organizationId: string): Promise<AuditEvent[]> {
  return storage.audit.range(organizationId, 1, 100_000)
}

function expectIntactChain(events: readonly AuditEvent[], expected: number): void {
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: expected }, (_, i) => i + 1))
  expect(verifyAuditChain(events, null).verified).toBe(true)
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe.runIf(postgres)('audit append on PostgreSQL, two processes on one schema', () => {
  async function twoProcesses(): Promise<[Storage, Storage, string]> {
    const schema = randomSchema()
    const a = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 4 })
    const b = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 4 })
    cleanups.push(async () => {
      await a.close()
      await b.close()
      await adminQuery(`drop schema if exists "${schema}" cascade`)
    })
    return [a, b, schema]
  }

  it('keeps one gap-free chain when both append concurrently, in and out of transactions', async () => {
    const [a, b] = await twoProcesses()
    const org = randomUUID()
    const writers = [a, b].flatMap((storage, w) =>
      Array.from({ length: 4 }, async (_, k) => {
        for (let round = 0; round < 5; round++) {
          const batch = links(org, w * 1000 + k * 100 + round * 10, 3)
          if ((k + round) % 2 === 0) await storage.audit.appendMany(org, batch)
          else await storage.transaction((tx) => tx.audit.appendMany(org, batch))
        }
      }),
    )
    await Promise.all(writers)
    expectIntactChain(await chainOf(a, org), 2 * 4 * 5 * 3)
  })

  it('appends after a stale hint (the other process appended since) without a gap or a fork', async () => {
    const [a, b] = await twoProcesses()
    const org = randomUUID()
    await a.audit.appendMany(org, links(org, 0, 2))
    await b.audit.appendMany(org, links(org, 10, 3)) // a's hint now says seq 2; the head is 5
    const appended = await a.audit.appendMany(org, links(org, 20, 2))
    expect(appended.map((e) => e.seq)).toEqual([6, 7])
    expectIntactChain(await chainOf(b, org), 7)
  })

  it('appends after a hint left by a rolled-back transaction', async () => {
    const [a] = await twoProcesses()
    const org = randomUUID()
    await a.audit.appendMany(org, links(org, 0, 1))
    await expect(
      a.transaction(async (tx) => {
        await tx.audit.appendMany(org, links(org, 10, 4))
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    const appended = await a.audit.append(org, links(org, 20, 1)[0]!)
    expect(appended.seq).toBe(2)
    expectIntactChain(await chainOf(a, org), 2)
  })

  it('an append outside a transaction waits for a transaction holding the lock, then extends its events', async () => {
    const [a, b] = await twoProcesses()
    const org = randomUUID()
    await b.audit.appendMany(org, links(org, 0, 1)) // b's hint: seq 1
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let appendedInTx!: () => void
    const inTx = new Promise<void>((resolve) => (appendedInTx = resolve))
    const tx = a.transaction(async (t) => {
      await t.audit.appendMany(org, links(org, 10, 2)) // seq 2-3, lock held until commit
      appendedInTx()
      await held
    })
    await inTx
    const outside = b.audit.appendMany(org, links(org, 20, 2)) // linked to seq 1: must wait, miss, relink
    release()
    await tx
    expect((await outside).map((e) => e.seq)).toEqual([4, 5])
    expectIntactChain(await chainOf(a, org), 5)
  })

  it('a connection killed while its append waits for the lock fails that append and stores none of it', async () => {
    const [a, b] = await twoProcesses()
    const org = randomUUID()
    await a.audit.appendMany(org, links(org, 0, 1))
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let appendedInTx!: () => void
    const inTx = new Promise<void>((resolve) => (appendedInTx = resolve))
    const tx = a.transaction(async (t) => {
      await t.audit.appendMany(org, links(org, 10, 1))
      appendedInTx()
      await held
    })
    await inTx
    // Settled into a value at once: it rejects while the admin connection is still at work.
    const waiting = b.audit.appendMany(org, links(org, 20, 3)).then(
      () => 'stored',
      (err: unknown) => err,
    )
    const admin = new pg.Client({ connectionString: DATABASE_URL })
    await admin.connect()
    try {
      let killed = 0
      while (killed === 0) {
        const { rowCount } = await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
            where wait_event_type = 'Lock' and query like '%sentryagent_audit_append%' and query not like '%pg_stat_activity%'`,
        )
        killed = rowCount ?? 0
        if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 20))
      }
    } finally {
      await admin.end()
    }
    expect(await waiting).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' })
    release()
    await tx
    expectIntactChain(await chainOf(a, org), 2)
    expect((await b.audit.appendMany(org, links(org, 30, 1))).map((e) => e.seq)).toEqual([3])
  })

  it('sentryagent_audit_append() inserts nothing when the head it is given is not the chain head', async () => {
    const [a, , schema] = await twoProcesses()
    const org = randomUUID()
    const [first] = await a.audit.appendMany(org, links(org, 0, 1))
    const stale = linkAuditEvent(unlinked(org, 1), null) // seq 1 again, after no head
    const row = { event_id: stale.eventId, seq: 1, occurred_at: stale.timestamp.toISOString(), action: stale.action, outcome: stale.outcome, actor: stale.actor, agent_id: null, ip: stale.ip, details: stale.details, prev_hash: stale.prevHash, hash: stale.hash }
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    try {
      await client.query(`set search_path to "${schema}"`)
      const { rows } = await client.query('select * from sentryagent_audit_append($1, 0, null, $2::jsonb)', [org, JSON.stringify([row])])
      expect(rows).toEqual([{ appended: false, head_seq: '1', head_hash: first?.hash }])
    } finally {
      await client.end()
    }
    expectIntactChain(await chainOf(a, org), 1)
  })
})

describe('audit append on PGlite', () => {
  it('keeps one gap-free chain under concurrent appends, in and out of transactions', async () => {
    const storage = await createPgliteStorage({ worker: true })
    cleanups.push(() => storage.close())
    const org = randomUUID()
    await Promise.all(
      Array.from({ length: 6 }, async (_, k) => {
        for (let round = 0; round < 4; round++) {
          const batch = links(org, k * 100 + round * 10, 2)
          if ((k + round) % 2 === 0) await storage.audit.appendMany(org, batch)
          else await storage.transaction((tx) => tx.audit.appendMany(org, batch))
        }
      }),
    )
    expectIntactChain(await chainOf(storage, org), 6 * 4 * 2)
  })
})
