/**
 * Audit appends/s on PostgreSQL: group commit (concurrent events share one transaction) against
 * one transaction per event, measured in the same run, alternating A/B rounds so drift cancels.
 *
 *   npm run bench:audit            (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 *
 * Writes bench/results/audit-append.md.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { createPostgresStorage } from '@sentryagent/adapter-postgres'
import { createAuditBatcher, linkAuditEvent, type Storage } from '@sentryagent/core'
import pg from 'pg'

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 3000)
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)

const unlinked = (organizationId: string) => ({
  eventId: randomUUID(),
  organizationId,
  timestamp: new Date(),
  action: 'token.issued',
  outcome: 'success' as const,
  actor: 'bench',
  agentId: null,
  ip: '127.0.0.1',
  details: { jti: randomUUID() },
})

/** One transaction per event. */
async function perEvent(storage: Storage, orgs: string[]): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        const org = orgs[next++ % orgs.length]!
        await storage.transaction((tx) => tx.audit.append(org, (head) => linkAuditEvent(unlinked(org), head)))
      }
    }),
  )
}

/** Group commit through core's audit batcher (what the server uses for token events). */
async function grouped(storage: Storage, orgs: string[]): Promise<void> {
  const batcher = createAuditBatcher({ storage, clock: () => new Date() })
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        const organizationId = orgs[next++ % orgs.length]!
        await batcher.append({ organizationId, action: 'token.issued', actor: 'bench', ip: '127.0.0.1', details: { jti: randomUUID(), clientId: 'bench', grantType: 'client_credentials', scope: '', expiresAt: 0 } })
      }
    }),
  )
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(4).toString('hex')}`
  const storage = await createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 16 })
  const orgs = Array.from({ length: 4 }, () => randomUUID())
  const rates: Record<'grouped' | 'perEvent', number[]> = { grouped: [], perEvent: [] }
  try {
    await perEvent(storage, orgs) // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, fn] of round % 2 === 0 ? ([['grouped', grouped], ['perEvent', perEvent]] as const) : ([['perEvent', perEvent], ['grouped', grouped]] as const)) {
        const started = performance.now()
        await fn(storage, orgs)
        rates[name].push(EVENTS / ((performance.now() - started) / 1000))
      }
    }
  } finally {
    await storage.close()
    const admin = new pg.Client({ connectionString: DATABASE_URL })
    await admin.connect()
    await admin.query(`drop schema if exists ${schema} cascade`)
    await admin.end()
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const g = median(rates.grouped)
  const p = median(rates.perEvent)
  const table = [
    `# Audit appends on PostgreSQL`,
    '',
    `${EVENTS} events × ${ROUNDS} alternating rounds, ${CONCURRENCY} concurrent writers, 4 organizations, pool of 16. Median of rounds.`,
    '',
    '| mode | appends/s | ratio |',
    '|---|---:|---:|',
    `| group commit | ${g.toFixed(0)} | ${(g / p).toFixed(2)}× |`,
    `| one transaction per event | ${p.toFixed(0)} | 1.00× |`,
    '',
    `Rounds — group commit: ${rates.grouped.map((r) => r.toFixed(0)).join(', ')}; per event: ${rates.perEvent.map((r) => r.toFixed(0)).join(', ')}.`,
    '',
  ].join('\n')
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  await writeFile(new URL('./results/audit-append.md', import.meta.url), table)
  process.stdout.write(table)
}

await main()
