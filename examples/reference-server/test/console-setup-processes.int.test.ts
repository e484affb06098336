/**
 * The platform owner's setup link when two server processes start at the same moment on one empty
 * PostgreSQL database: exactly one valid setup link exists and only one process prints (and saves)
 * it — the other cannot show it (storage keeps the token's digest only) and prints nothing. The
 * link registers the owner through either process, once; a second use, or any setup link after the
 * owner exists, is refused.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { SoftAuthenticator } from './fixtures/soft-authenticator.js'
import { DATABASE_URL, TARGETS, freePort } from './harness.js'
import { spawnServer, type ServerProcess } from './processes.js'

const LINK = /(http:\/\/[^\s]+\/console\/#\/invite\/([A-Za-z0-9_-]{43}))/g

const postgres = TARGETS.find((t) => t.name === 'postgres')

describe.runIf(postgres !== undefined)('the setup link with two processes starting at once on one empty PostgreSQL', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c()
  })

  it('prints one link in one process; it works once, through either process; later setup links are refused', async () => {
    if (postgres === undefined) throw new Error('no postgres target')
    const db = await postgres.create()
    cleanups.push(db.dispose)
    const schema = db.env['DATABASE_SCHEMA'] ?? ''
    const dirB = await mkdtemp(join(tmpdir(), 'agentidp-setup-'))
    cleanups.push(() => rm(dirB, { recursive: true, force: true }))
    const [portA, portB] = [await freePort(), await freePort()]
    // One deployment behind one name: one issuer, hence one WebAuthn origin for both processes.
    const issuer = `http://127.0.0.1:${portA}`
    const env = { ...db.env, ISSUER: issuer, LOG_LEVEL: 'warn' }
    const [a, b]: [ServerProcess, ServerProcess] = await Promise.all([spawnServer(env, { port: portA }), spawnServer({ ...env, DATA_DIR: dirB }, { port: portB })])
    cleanups.push(() => a.stop(), () => b.stop())

    // Exactly one link, printed by one process, saved (0600) by that process only.
    const printed = [a, b].map((p) => [...p.output().matchAll(LINK)].map((m) => m[1] ?? ''))
    expect(printed.flat(), `${a.output()}\n---\n${b.output()}`).toHaveLength(1)
    const link = printed.flat()[0] ?? ''
    const printer = printed[0]?.length === 1 ? 'a' : 'b'
    const saved = await Promise.all(
      [db.env['DATA_DIR'] ?? '', dirB].map((dir) => readFile(join(dir, 'console-setup-link.txt'), 'utf8').then((s) => s.trim(), () => undefined)),
    )
    expect(saved).toEqual(printer === 'a' ? [link, undefined] : [undefined, link])

    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    cleanups.push(() => client.end())
    const pending = await client.query(`select token_hash from "${schema}".console_invitations where kind = 'setup' and accepted_at is null`)
    expect(pending.rows).toHaveLength(1)
    const token = link.split('#/invite/')[1] ?? ''
    expect(pending.rows[0]?.token_hash).toBe(createHash('sha256').update(token).digest('base64url'))

    // Registered through the process that did not print it: the database is the truth.
    const other = printer === 'a' ? b : a
    const post = async (base: string, path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: issuer }, body: JSON.stringify(body) })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const key = new SoftAuthenticator(issuer, '127.0.0.1')
    const start = await post(other.url, '/console/api/registration/options', { token })
    expect(start.status).toBe(200)
    const { ceremonyId, options } = start.body as { ceremonyId: string; options: { challenge: string; user: { id: string } } }
    const done = await post(other.url, '/console/api/registration', { ceremonyId, token, response: key.register(options), displayName: 'Root', email: 'root@example.com' })
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    expect(done.body).toMatchObject({ operator: { role: 'owner', email: 'root@example.com' } })

    // Used: refused by both processes.
    for (const p of [a, b]) {
      const again = await post(p.url, '/console/api/registration/options', { token })
      expect(again.status).toBe(400)
      expect(again.body).toMatchObject({ code: 'CONSOLE_INVITATION_INVALID' })
    }

    // A setup link that appears after the owner exists (as a process that read "no owner" a moment
    // before the registration committed could create one) is refused too: a setup link makes the
    // first owner, never a second.
    const late = randomBytes(32).toString('base64url')
    const orgId = (await client.query(`select organization_id from "${schema}".console_operators limit 1`)).rows[0]?.organization_id as string
    await client.query(
      `insert into "${schema}".console_invitations (invitation_id, organization_id, email, role, kind, token_hash, created_by, created_at, expires_at, accepted_at)
       values ($1, $2, 'owner@platform.invalid', 'owner', 'setup', $3, 'system:console', now(), now() + interval '1 day', null)`,
      [`inv_${randomUUID()}`, orgId, createHash('sha256').update(late).digest('base64url')],
    )
    const refused = await post(a.url, '/console/api/registration/options', { token: late })
    expect(refused.status).toBe(400)
    expect(refused.body).toMatchObject({ code: 'CONSOLE_INVITATION_INVALID' })
    const owners = await client.query(`select count(*)::int as n from "${schema}".console_operators where role = 'owner'`)
    expect(owners.rows[0]?.n).toBe(1)

    // A restart with an owner in place prints no link.
    await b.stop()
    const b2 = await spawnServer({ ...env, DATA_DIR: dirB }, { port: portB })
    cleanups.push(() => b2.stop())
    expect([...b2.output().matchAll(LINK)]).toHaveLength(0)
  }, 240_000)
})
