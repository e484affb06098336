/**
 * Tamper evidence of the audit log against someone with write access to PostgreSQL, group commit
 * under concurrency across two server processes, and durability of token.issued across kill -9.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { computeAuditHash, verifyAuditLog, type AuditEvent } from '@sentryagent/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, DATABASE_URL, TARGETS, api, provisionTenant, startOn, startServer, type Running } from './harness.js'
import { spawnServer } from './processes.js'

const postgres = TARGETS.find((t) => t.name === 'postgres')
const run = promisify(execFile)
const VERIFY_CLI = fileURLToPath(new URL('../src/verify-audit.ts', import.meta.url))

interface Row {
  event_id: string
  seq: string
  organization_id: string
  occurred_at: Date
  action: string
  outcome: 'success' | 'failure'
  actor: string
  agent_id: string | null
  ip: string | null
  details: Record<string, unknown>
  prev_hash: string
  hash: string
}
const toEvent = (r: Row): AuditEvent => ({
  eventId: r.event_id,
  seq: Number(r.seq),
  organizationId: r.organization_id,
  timestamp: r.occurred_at,
  action: r.action,
  outcome: r.outcome,
  actor: r.actor,
  agentId: r.agent_id,
  ip: r.ip,
  details: r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
})

describe.runIf(postgres !== undefined)('audit log tamper evidence on PostgreSQL', () => {
  let server: Running
  let db: pg.Client
  let http: ReturnType<typeof api>
  let admin: string

  beforeAll(async () => {
    server = await startOn(postgres!)
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    db = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${server.config.databaseSchema}` })
    await db.connect()
  })
  afterAll(async () => {
    await db.end()
    await server.close()
  })

  /** A tenant with 9 events, a signed checkpoint of them, its export and the JWKS. */
  async function sealedTenant(slug: string) {
    const t = await provisionTenant(server.url, admin, slug, ['agents:read', 'agents:write', 'audit:read'])
    const token = await http.token(t.clientId, t.clientSecret)
    for (let i = 0; i < 5; i++) await http.call('PATCH', `/api/v1/agents/${t.agentId}`, token, { description: `rev ${i}` })
    const checkpoint = (await http.call('POST', '/api/v1/audit/checkpoints', token)).body!
    const jwks = (await http.call('GET', '/.well-known/jwks.json')).body as { keys: [] }
    return { ...t, token, checkpoint, jwks }
  }
  const rows = async (orgId: string) =>
    (await db.query<Row>('select * from audit_events where organization_id = $1 order by seq', [orgId])).rows
  const exportNdjson = async (token: string) => (await fetch(`${server.url}/api/v1/audit/export`, { headers: { authorization: `Bearer ${token}` } })).text()
  const parse = (ndjson: string) => ndjson.trim().split('\n').map((l) => JSON.parse(l) as AuditEvent & { timestamp: string })
  const serverVerify = async (token: string, query = '') => (await http.call('GET', `/api/v1/audit/verify${query}`, token)).body!
  /** `count` more events (agent updates) after the checkpoint. */
  const moreEvents = async (t: { agentId: string; token: string }, count: number) => {
    for (let i = 0; i < count; i++) await http.call('PATCH', `/api/v1/agents/${t.agentId}`, t.token, { description: `later ${i}` })
  }

  it('an untouched log verifies online, offline and with the CLI', async () => {
    const t = await sealedTenant('audit-clean')
    expect(t.checkpoint).toMatchObject({ size: 9, organizationId: t.organizationId })
    // Incremental (default): only the event the checkpoint seals is recomputed; full: all nine.
    expect(await serverVerify(t.token)).toEqual({ verified: true, checkedCount: 1, headHash: t.checkpoint['headHash'], mode: 'incremental', checkpointSize: 9 })
    expect(await serverVerify(t.token, '?full=true')).toEqual({ verified: true, checkedCount: 9, headHash: t.checkpoint['headHash'], mode: 'full', checkpointSize: 9 })
    const events = parse(await exportNdjson(t.token))
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(await verifyAuditLog({ checkpoint: t.checkpoint as never, jwks: t.jwks, events })).toEqual({ verified: true, checkedCount: 9 })

    const dir = await mkdtemp(join(tmpdir(), 'audit-cli-'))
    await writeFile(join(dir, 'cp.json'), JSON.stringify(t.checkpoint))
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(t.jwks))
    await writeFile(join(dir, 'events.ndjson'), await exportNdjson(t.token))
    const cli = (events: string) =>
      run(process.execPath, ['--conditions=@sentryagent/source', '--import', 'tsx', VERIFY_CLI, '--checkpoint', join(dir, 'cp.json'), '--jwks', join(dir, 'jwks.json'), '--events', events]).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      )
    expect(await cli(join(dir, 'events.ndjson'))).toMatchObject({ code: 0 })
    await writeFile(join(dir, 'short.ndjson'), (await exportNdjson(t.token)).split('\n').slice(0, 5).join('\n'))
    const short = await cli(join(dir, 'short.ndjson'))
    expect(short.code).toBe(1)
    expect(short.out).toContain('truncated')

    const proofTarget = events[3]!
    const proof = (await http.call('GET', `/api/v1/audit/events/${proofTarget.eventId}/proof`, t.token)).body!
    expect(await verifyAuditLog({ checkpoint: proof['checkpoint'] as never, jwks: t.jwks, events: proof['events'] as never, mode: 'none' })).toMatchObject({ verified: true })

    // Events after the checkpoint are recomputed from its signed head; a range is always recomputed in full.
    await moreEvents(t, 3)
    expect(await serverVerify(t.token)).toMatchObject({ verified: true, checkedCount: 4, mode: 'incremental', checkpointSize: 9 })
    expect(await serverVerify(t.token, '?from=2&to=5')).toMatchObject({ verified: true, checkedCount: 4, mode: 'full' })
  })

  /** Ways a database writer could tamper with event `seq` (and, for swaps, `seq + 1`). */
  const tamperings: [string, (orgId: string, seq: number) => Promise<void>][] = [
    ['an updated field', async (org, seq) => void (await db.query(`update audit_events set details = '{"forged":true}' where organization_id = $1 and seq = $2`, [org, seq]))],
    ['a deleted row', async (org, seq) => void (await db.query('delete from audit_events where organization_id = $1 and seq = $2', [org, seq]))],
    [
      'two swapped rows',
      async (org, seq) => {
        await db.query('update audit_events set seq = -1 where organization_id = $1 and seq = $2', [org, seq])
        await db.query('update audit_events set seq = $2 where organization_id = $1 and seq = $2 + 1', [org, seq])
        await db.query('update audit_events set seq = $2 + 1 where organization_id = $1 and seq = -1', [org, seq])
      },
    ],
    [
      'an inserted forged row',
      async (org, seq) => {
        const [before] = (await db.query<Row>('select * from audit_events where organization_id = $1 and seq = $2 - 1', [org, seq])).rows
        await db.query('update audit_events set seq = seq + 1000 where organization_id = $1 and seq >= $2', [org, seq])
        await db.query('update audit_events set seq = seq - 999 where organization_id = $1 and seq > 1000', [org])
        const forged = { ...toEvent(before!), eventId: crypto.randomUUID(), seq, action: 'agent.updated', details: { forged: true }, prevHash: before!.hash }
        const hash = computeAuditHash(forged, forged.prevHash)
        await db.query(
          `insert into audit_events (event_id, organization_id, seq, occurred_at, action, outcome, actor, agent_id, ip, details, prev_hash, hash)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [forged.eventId, org, seq, forged.timestamp, forged.action, forged.outcome, forged.actor, forged.agentId, forged.ip, JSON.stringify(forged.details), forged.prevHash, hash],
        )
      },
    ],
  ]

  it.each(tamperings)('GET /audit/verify?full=true detects %s before the checkpoint, and so does its holder', async (_name, tamper) => {
    const t = await sealedTenant(`audit-full-${_name.replaceAll(' ', '-')}`)
    await tamper(t.organizationId, 4)
    expect(await serverVerify(t.token, '?full=true')).toMatchObject({ verified: false, mode: 'full', brokenAtEventId: expect.any(String) })
    const offline = await verifyAuditLog({ checkpoint: t.checkpoint as never, jwks: t.jwks, events: parse(await exportNdjson(t.token)) })
    expect(offline.verified).toBe(false)
  })

  it.each(tamperings)('GET /audit/verify (incremental) detects %s after the newest checkpoint', async (_name, tamper) => {
    const t = await sealedTenant(`audit-incr-${_name.replaceAll(' ', '-')}`)
    await moreEvents(t, 4) // seq 10–13, after the checkpoint of 9
    await tamper(t.organizationId, 11)
    expect(await serverVerify(t.token)).toMatchObject({ verified: false, mode: 'incremental', checkpointSize: 9, brokenAtEventId: expect.any(String) })
    expect(await serverVerify(t.token, '?full=true')).toMatchObject({ verified: false })
  })

  it('incremental mode does not re-read events before the checkpoint: an edit there is caught by full mode (documented limit)', async () => {
    const t = await sealedTenant('audit-before-checkpoint')
    await db.query(`update audit_events set details = '{"forged":true}' where organization_id = $1 and seq = 4`, [t.organizationId])
    // The sealed event and everything after it are intact, so the incremental check passes…
    expect(await serverVerify(t.token)).toMatchObject({ verified: true, mode: 'incremental', checkpointSize: 9 })
    // …the full check and the offline verifier do not.
    const full = await serverVerify(t.token, '?full=true')
    const [row4] = await rows(t.organizationId).then((r) => r.filter((e) => e.seq === '4'))
    expect(full).toMatchObject({ verified: false, brokenAtEventId: row4!.event_id })
    // Rewriting the chain from there on to hide the edit breaks the signed head instead: incremental catches that.
    const events = (await rows(t.organizationId)).map(toEvent)
    let prev = events[3]!.prevHash
    for (const e of events.slice(3)) {
      const hash = computeAuditHash(e, prev)
      await db.query('update audit_events set prev_hash = $1, hash = $2 where event_id = $3', [prev, hash, e.eventId])
      prev = hash
    }
    expect(await serverVerify(t.token)).toMatchObject({ verified: false, mode: 'incremental', brokenAtEventId: events[8]!.eventId })
  })

  it('a truncated tail is detected by the stored checkpoint and by a previously obtained one', async () => {
    const t = await sealedTenant('audit-truncate')
    await db.query('delete from audit_events where organization_id = $1 and seq > 6', [t.organizationId])
    expect(await serverVerify(t.token)).toMatchObject({ verified: false })
    // An attacker who also deletes the stored checkpoints still cannot fool the holder of one.
    await db.query('delete from audit_checkpoints where organization_id = $1', [t.organizationId])
    const offline = await verifyAuditLog({ checkpoint: t.checkpoint as never, jwks: t.jwks, events: parse(await exportNdjson(t.token)) })
    expect(offline).toMatchObject({ verified: false, reason: expect.stringContaining('truncated') })
  })

  it('an edit with every later hash recomputed is detected by a previously obtained checkpoint', async () => {
    const t = await sealedTenant('audit-recompute')
    const events = (await rows(t.organizationId)).map(toEvent)
    let prev = events[2]!.hash
    for (const e of events.slice(3)) {
      const edited = e.seq === 4 ? { ...e, details: { forged: true } } : e
      const hash = computeAuditHash(edited, prev)
      await db.query('update audit_events set details = $1, prev_hash = $2, hash = $3 where event_id = $4', [JSON.stringify(edited.details), prev, hash, e.eventId])
      prev = hash
    }
    expect(await serverVerify(t.token)).toMatchObject({ verified: false })
    await db.query('delete from audit_checkpoints where organization_id = $1', [t.organizationId])
    // With the stored checkpoints gone the chain alone looks intact; the held checkpoint does not.
    expect(await serverVerify(t.token)).toMatchObject({ verified: true })
    const offline = await verifyAuditLog({ checkpoint: t.checkpoint as never, jwks: t.jwks, events: parse(await exportNdjson(t.token)) })
    expect(offline).toMatchObject({ verified: false, reason: expect.stringContaining('rewritten') })
  })
})

describe.runIf(postgres !== undefined)('audit appends across two server processes on PostgreSQL', () => {
  it('20 concurrent writers over 2 processes: no gaps, no forks, the chain verifies', async () => {
    const target = await postgres!.create()
    // Two processes behind one issuer, as behind a load balancer.
    const shared = { ...target.env, ISSUER: 'http://idp.cluster.test' }
    const a = await spawnServer(shared)
    const b = await spawnServer(shared)
    try {
      const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
      const t = await provisionTenant(a.url, admin, 'two-procs', ['agents:read', 'agents:write', 'audit:read'])
      const token = await api(a.url).token(t.clientId, t.clientSecret)
      const writers = Array.from({ length: 20 }, (_, i) => {
        const base = i % 2 === 0 ? a.url : b.url
        return (async () => {
          for (let j = 0; j < 5; j++) {
            const r = await api(base).call('PATCH', `/api/v1/agents/${t.agentId}`, token, { description: `writer ${i} step ${j}` })
            expect(r.status).toBe(200)
            await api(base).token(t.clientId, t.clientSecret)
          }
        })()
      })
      await Promise.all(writers)
      const res = await fetch(`${b.url}/api/v1/audit/export`, { headers: { authorization: `Bearer ${token}` } })
      const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as AuditEvent)
      const base = 4 // org.created, agent.created, credential.generated, token.issued
      expect(events).toHaveLength(base + 20 * 5 * 2)
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
      events.forEach((e, i) => {
        if (i > 0) expect(e.prevHash).toBe(events[i - 1]!.hash)
      })
      const verify = await api(a.url).call('GET', '/api/v1/audit/verify', token)
      expect(verify.body).toMatchObject({ verified: true, checkedCount: events.length })
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await target.dispose()
    }
  })
})

describe.runIf(postgres !== undefined)('audit durability across kill -9 on PostgreSQL', () => {
  it('every token whose response was sent has its token.issued event', async () => {
    const target = await postgres!.create()
    const proc = await spawnServer(target.env)
    let restarted: Running | undefined
    try {
      const admin = await api(proc.url).token(ADMIN_ID, ADMIN_SECRET)
      const t = await provisionTenant(proc.url, admin, 'kill-nine', ['audit:read'])
      const issued: string[] = []
      let killed = false
      const worker = async () => {
        for (let i = 0; i < 60 && !killed; i++) {
          try {
            const res = await fetch(`${proc.url}/oauth2/token`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${t.clientId}:${t.clientSecret}`).toString('base64')}` },
              body: 'grant_type=client_credentials',
            })
            if (res.status !== 200) continue
            const body = (await res.json()) as { access_token: string }
            issued.push(String(JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString())['jti']))
            if (issued.length === 150 && !killed) {
              killed = true
              proc.child.kill('SIGKILL')
            }
          } catch {
            // connection reset by the kill: that response was never sent
          }
        }
      }
      await Promise.all(Array.from({ length: 16 }, worker))
      expect(killed).toBe(true)
      expect(await proc.exited).toBe('SIGKILL')
      expect(issued.length).toBeGreaterThanOrEqual(150)

      restarted = await startServer(target.env)
      const token = await api(restarted.url).token(t.clientId, t.clientSecret)
      const res = await fetch(`${restarted.url}/api/v1/audit/export`, { headers: { authorization: `Bearer ${token}` } })
      const recorded = new Set(
        (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as AuditEvent).filter((e) => e.action === 'token.issued').map((e) => e.details['jti']),
      )
      const missing = issued.filter((jti) => !recorded.has(jti))
      expect(missing).toEqual([])
      expect((await api(restarted.url).call('GET', '/api/v1/audit/verify', token)).body).toMatchObject({ verified: true })
    } finally {
      await proc.stop('SIGKILL')
      await restarted?.close()
      await target.dispose()
    }
  })
})
