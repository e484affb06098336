import { createServer } from 'node:net'
import { PGlite } from '@electric-sql/pglite'
import { randomUUID } from 'node:crypto'
import { linkAuditEvent } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createPgliteStorage, createPostgresStorage } from '../src/index.js'
import { DATABASE_URL, adminQuery, probePostgres, randomSchema } from './postgres-fixture.js'
import { rejection } from './rejection.js'

/** A local TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

describe('error mapping', () => {
  it('a pool pointed at a closed port yields DEPENDENCY_UNAVAILABLE with the cause, from any call', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`
    const storage = await createPostgresStorage({ connectionString: url, migrate: false, connectionTimeoutMs: 2000 })
    try {
      const err = await rejection(storage.agents.find('org', 'agent'))
      expect(err.code).toBe('DEPENDENCY_UNAVAILABLE')
      expect(err.status).toBe(503)
      expect(err.expose).toBe(false)
      expect(err.message).toBe('Database unavailable')
      expect(err.cause).toBeInstanceOf(Error)
      expect((await rejection(storage.ping())).code).toBe('DEPENDENCY_UNAVAILABLE')
      expect((await rejection(storage.transaction(async () => 1))).code).toBe('DEPENDENCY_UNAVAILABLE')
    } finally {
      await storage.close()
    }
    const creating = await rejection(createPostgresStorage({ connectionString: url, connectionTimeoutMs: 2000 }))
    expect(creating.code).toBe('DEPENDENCY_UNAVAILABLE')
  })

  it('a closed PGlite storage yields DEPENDENCY_UNAVAILABLE', async () => {
    const storage = await createPgliteStorage()
    await storage.close()
    await storage.close()
    expect((await rejection(storage.organizations.find('x'))).code).toBe('DEPENDENCY_UNAVAILABLE')
  })

  it('CONFIG_INVALID lists every problem at once', async () => {
    const err = await rejection(
      createPostgresStorage({ pool: new pg.Pool(), poolSize: 0, statementTimeoutMs: -1, schema: 'Bad-Name' }),
    )
    expect(err.code).toBe('CONFIG_INVALID')
    for (const fragment of ['poolSize', 'statementTimeoutMs', 'schema', 'only to a pool']) expect(err.message).toContain(fragment)
    expect((await rejection(createPostgresStorage({}))).message).toContain('connectionString or pool is required')
    const pglite = new PGlite()
    try {
      expect((await rejection(createPgliteStorage({ dataDir: '/tmp/unused', pglite }))).code).toBe('CONFIG_INVALID')
    } finally {
      await pglite.close()
    }
  })

  it('a cursor the adapter did not produce is a VALIDATION_ERROR', async () => {
    const storage = await createPgliteStorage()
    try {
      const err = await rejection(storage.agents.list('org', {}, { limit: 5, cursor: 'not-a-cursor' }))
      expect(err.code).toBe('VALIDATION_ERROR')
      expect((await rejection(storage.audit.list('org', {}, { limit: 5, cursor: 'bm9wZQ' }))).code).toBe('VALIDATION_ERROR')
    } finally {
      await storage.close()
    }
  })

  it('an unmigrated database (migrate: false) is INTERNAL, not an outage, and the message holds no SQL', async () => {
    const storage = await createPgliteStorage({ migrate: false })
    try {
      const err = await rejection(storage.agents.find('org', 'agent'))
      expect(err.code).toBe('INTERNAL')
      expect(err.message).not.toMatch(/select|agents/i)
    } finally {
      await storage.close()
    }
  })

  it('an error thrown by an audit link is rethrown untouched, and nothing is appended', async () => {
    const storage = await createPgliteStorage()
    try {
      const boom = new TypeError('link failed')
      await expect(storage.audit.append('org', () => { throw boom })).rejects.toBe(boom)
      expect(await storage.audit.head('org')).toBeNull()
    } finally {
      await storage.close()
    }
  })
})

describe.runIf(await serviceReachable('postgres', probePostgres))('a pool passed in', () => {
  it('is used as given and left open by close()', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 })
    try {
      const storage = await createPostgresStorage({ pool, migrate: false, statementTimeoutMs: 5000 })
      await storage.ping()
      await storage.close()
      const result = await pool.query<{ one: number }>('select 1 as one')
      expect(result.rows[0]?.one).toBe(1)
    } finally {
      await pool.end()
    }
  })

  it('applies schema and statementTimeoutMs to each connection it uses', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
    try {
      const storage = await createPostgresStorage({ pool, migrate: false, schema: 'public', statementTimeoutMs: 1234 })
      await storage.ping()
      const settings = await pool.query<{ timeout: string; path: string }>(
        'select current_setting($1) as timeout, current_setting($2) as path',
        ['statement_timeout', 'search_path'],
      )
      expect(settings.rows[0]).toStrictEqual({ timeout: '1234ms', path: 'public' })
    } finally {
      await pool.end()
    }
  })
})

describe.runIf(await serviceReachable('postgres', probePostgres))('connection faults on real PostgreSQL', () => {
  /** @see issue 10, finding 4: a checked-out client's 'error' event crashed the process. */
  it('a backend terminated between two queries of a transaction: DEPENDENCY_UNAVAILABLE, no crash, the pool recovers', async () => {
    const schema = randomSchema()
    const applicationName = `fault_${schema}`
    const storage = await createPostgresStorage({ connectionString: `${DATABASE_URL}?application_name=${applicationName}`, schema, poolSize: 2 })
    const admin = new pg.Client({ connectionString: DATABASE_URL })
    await admin.connect()
    try {
      const failed = await rejection(
        storage.transaction(async (tx) => {
          await tx.organizations.find('x')
          await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName])
          // The client is checked out and idle: the termination arrives as an 'error' event, not a query error.
          await new Promise((r) => setTimeout(r, 200))
          return tx.organizations.find('y')
        }),
      )
      expect(failed.code).toBe('DEPENDENCY_UNAVAILABLE')
      await storage.ping()
      expect(await storage.organizations.find('z')).toBeNull()
    } finally {
      await admin.end()
      await storage.close()
      await adminQuery(`drop schema if exists "${schema}" cascade`)
    }
  })

  it('a statement over queryTimeoutMs is cancelled by the server (DEPENDENCY_UNAVAILABLE) and its connection is kept', async () => {
    const schema = randomSchema()
    const applicationName = `timeout_${schema}`
    const storage = await createPostgresStorage({ connectionString: `${DATABASE_URL}?application_name=${applicationName}`, schema, poolSize: 1, queryTimeoutMs: 300 })
    const holder = new pg.Client({ connectionString: DATABASE_URL })
    await holder.connect()
    const backends = async () => (await holder.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [applicationName])).rows.map((r) => r.pid)
    try {
      await storage.ping()
      const before = await backends()
      expect(before).toHaveLength(1)
      const orgId = `org-${schema}`
      // Another session holds the organization's audit lock, so the append waits on it past the timeout.
      await holder.query('begin')
      await holder.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`sentryagent.audit:${orgId}`])
      const event = { eventId: randomUUID(), organizationId: orgId, timestamp: new Date(), action: 'token.issued', outcome: 'success' as const, actor: 'test', agentId: null, ip: '127.0.0.1', details: {} }
      const err = await rejection(storage.audit.append(orgId, (head) => linkAuditEvent(event, head)))
      await holder.query('rollback')
      expect(err.code).toBe('DEPENDENCY_UNAVAILABLE')
      expect((err.cause as { code?: string }).code).toBe('57014') // query_canceled by statement_timeout
      await storage.ping()
      expect(await backends()).toEqual(before)
    } finally {
      await holder.end()
      await storage.close()
      await adminQuery(`drop schema if exists "${schema}" cascade`)
    }
  })
})
