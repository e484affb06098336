import { createServer } from 'node:net'
import { PGlite } from '@electric-sql/pglite'
import { isIdpError, type IdpError } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createPgliteStorage, createPostgresStorage } from '../src/index.js'
import { DATABASE_URL, probePostgres } from './postgres-fixture.js'

/** A local TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

async function rejection(promise: Promise<unknown>): Promise<IdpError<string>> {
  try {
    await promise
  } catch (err) {
    if (isIdpError(err)) return err
    throw err
  }
  throw new Error('expected a rejection')
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
