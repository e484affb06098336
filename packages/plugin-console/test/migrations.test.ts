/**
 * Migration `0002-console-one-setup-link` on real PostgreSQL, over a database the setup-link race
 * left behind: an organization with two pending setup links loses both (nobody can tell which one
 * an operator holds; the next start prints a new one), single pending links and accepted ones stay,
 * and from then on a second pending setup link cannot exist.
 */
import { randomUUID } from 'node:crypto'
import { TEST_DATABASE_URL } from '@sentryagent/adapter-postgres/testing'
import { serviceReachable } from '@sentryagent/core/testing'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consoleStorage } from '../src/index.js'

const pgUp = await serviceReachable('postgres', async () => {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 })
  await c.connect()
  await c.end()
})

describe.runIf(pgUp)('console migrations on PostgreSQL', () => {
  const schema = `console_mig_${randomUUID().replaceAll('-', '')}`
  let pool: pg.Pool
  let db: Kysely<unknown>

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    await admin.query(`create schema "${schema}"`)
    await admin.end()
    pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1, options: `-c search_path=${schema}` })
    db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) })
  })
  afterAll(async () => {
    await db?.destroy()
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    await admin.query(`drop schema if exists "${schema}" cascade`)
    await admin.end()
  })

  const insert = (org: string, kind: string, accepted: boolean) =>
    sql`insert into console_invitations (invitation_id, organization_id, email, role, kind, token_hash, created_by, created_at, expires_at, accepted_at)
        values (${`inv_${randomUUID()}`}, ${org}, 'owner@platform.invalid', 'owner', ${kind}, ${randomUUID()}, 'system:console', now(), now() + interval '1 day', ${accepted ? sql`now()` : sql`null`})`.execute(db)

  it('withdraws duplicate pending setup links, keeps the rest, then allows one pending setup link per organization', async () => {
    const migrations = consoleStorage.postgres.migrations
    await migrations['0001-console']?.up(db)
    await insert('raced', 'setup', false)
    await insert('raced', 'setup', false)
    await insert('raced', 'setup', true)
    await insert('single', 'setup', false)
    await insert('raced', 'invite', false)
    await insert('raced', 'invite', false)
    await migrations['0002-console-one-setup-link']?.up(db)
    const rows = await sql<{ organization_id: string; kind: string; pending: boolean }>`
      select organization_id, kind, accepted_at is null as pending from console_invitations order by organization_id, kind, pending`.execute(db)
    expect(rows.rows).toEqual([
      { organization_id: 'raced', kind: 'invite', pending: true },
      { organization_id: 'raced', kind: 'invite', pending: true },
      { organization_id: 'raced', kind: 'setup', pending: false },
      { organization_id: 'single', kind: 'setup', pending: true },
    ])
    await insert('raced', 'setup', false)
    await expect(insert('raced', 'setup', false)).rejects.toThrow(/console_invitations_one_pending_setup/)
    await expect(insert('single', 'setup', false)).rejects.toThrow(/console_invitations_one_pending_setup/)
  })
})
