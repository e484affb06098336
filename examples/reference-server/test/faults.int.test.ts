/**
 * Faults: Redis stopped mid-test (a private redis-server), PostgreSQL cut (a TCP proxy in front of
 * the shared server), Vault down (the Vault-API stand-in). Each time the documented fail mode holds
 * and recovery is automatic. The machine's shared Redis and PostgreSQL are never stopped.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serviceReachable } from '@sentryagent/core/testing'
import { decodeProtectedHeader } from 'jose'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { startVaultStandIn } from '../../../packages/adapter-vault/test/vault-stand-in.js'
import { ADMIN_ID, ADMIN_SECRET, DATABASE_URL, api, provisionTenant, startServer } from './harness.js'
import { pgProxy, privateRedis, redisServerInstalled, until } from './ops-fixtures.js'

const pgUp = await serviceReachable('postgres', async () => {
  const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  await c.connect()
  await c.end()
})

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'agentidp-fault-'))
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) }
}

const cacheStatus = async (url: string) => {
  const res = await api(url).call('GET', '/health/detailed')
  const deps = res.body?.['dependencies'] as Record<string, { status: string }> | undefined
  return { code: res.status, cache: deps?.['cache']?.status, database: deps?.['database']?.status, keyStore: deps?.['keyStore']?.status }
}

describe.runIf(redisServerInstalled)('Redis stopped mid-test', () => {
  it('keeps issuing and verifying (cache falls back to storage, limits to the in-process insurance), reports unreachable, recovers', async () => {
    const redis = await privateRedis()
    const { dir, dispose } = await tempDir()
    const server = await startServer({ DATA_DIR: dir, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'fault:' })
    try {
      const { token, call, form } = api(server.url)
      const admin = await token(ADMIN_ID, ADMIN_SECRET)
      const t = await provisionTenant(server.url, admin, 'redis-fault', ['agents:read'])
      expect(await cacheStatus(server.url)).toMatchObject({ code: 200, cache: 'healthy' })

      await redis.stop()
      expect(await cacheStatus(server.url)).toMatchObject({ code: 503, cache: 'unreachable', database: 'healthy' })
      const during = await token(t.clientId, t.clientSecret)
      expect((await call('GET', '/agent-info', during)).status).toBe(200)
      // Revocation stays effective: it is durable, the cache is only an accelerator.
      expect((await form('/oauth2/revoke', { token: during }, { id: t.clientId, secret: t.clientSecret })).status).toBe(200)
      expect((await call('GET', '/agent-info', during)).status).toBe(401)

      await redis.start()
      expect(await until(async () => (await cacheStatus(server.url)).code === 200, 15_000)).toBe(true)
      const after = await token(t.clientId, t.clientSecret)
      expect((await form('/oauth2/revoke', { token: after }, { id: t.clientId, secret: t.clientSecret })).status).toBe(200)
      expect((await call('GET', '/agent-info', after)).status).toBe(401)
    } finally {
      await server.close()
      await redis.stop()
      await dispose()
    }
  }, 60_000)
})

describe.runIf(pgUp)('PostgreSQL cut mid-test', () => {
  it('answers 503 (problem+json DEPENDENCY_UNAVAILABLE / OAuth temporarily_unavailable), writes nothing partial, recovers', async () => {
    const proxy = await pgProxy()
    const { dir, dispose } = await tempDir()
    const schema = `fault_${randomBytes(6).toString('hex')}`
    const server = await startServer({
      DATA_DIR: dir,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: '3',
      DATABASE_CONNECTION_TIMEOUT_MS: '1000',
    })
    try {
      const { token, call, form } = api(server.url)
      const admin = await token(ADMIN_ID, ADMIN_SECRET)

      await proxy.cut()
      const created = await call('POST', '/api/v1/organizations', admin, { name: 'During outage', slug: 'during-outage' })
      expect(created.status).toBe(503)
      expect(created.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(created.body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' })
      expect(JSON.stringify(created.body)).not.toMatch(/ECONN|5432|select|insert/i)
      const tokenRes = await form('/oauth2/token', { grant_type: 'client_credentials' }, { id: ADMIN_ID, secret: ADMIN_SECRET })
      expect(tokenRes.status).toBe(503)
      expect(tokenRes.body).toEqual({ error: 'temporarily_unavailable' })
      expect(await cacheStatus(server.url)).toMatchObject({ code: 503, database: 'unreachable' })

      await proxy.restore()
      expect(await until(async () => (await call('GET', '/api/v1/organizations', admin)).status === 200, 15_000)).toBe(true)
      const list = await call('GET', '/api/v1/organizations?limit=100', admin)
      const slugs = (list.body?.['items'] as { slug: string }[]).map((o) => o.slug)
      expect(slugs).not.toContain('during-outage')
      const again = await call('POST', '/api/v1/organizations', admin, { name: 'After outage', slug: 'during-outage' })
      expect(again.status).toBe(201)
      const verify = await call('GET', '/api/v1/audit/verify', admin)
      expect(verify.status).toBe(200)
      expect(verify.body).toMatchObject({ verified: true })
    } finally {
      await server.close()
      await proxy.cut()
      const c = new pg.Client({ connectionString: DATABASE_URL })
      await c.connect()
      await c.query(`drop schema if exists ${schema} cascade`)
      await c.end()
      await dispose()
    }
  }, 60_000)
})

describe('Vault stand-in down', () => {
  it('signing fails closed with 503 and never falls back to another key; recovers when Vault returns', async () => {
    const vault = await startVaultStandIn()
    const { dir, dispose } = await tempDir()
    const server = await startServer({ DATA_DIR: dir, VAULT_ADDR: vault.address, VAULT_TOKEN: vault.rootToken, VAULT_RETRIES: '0', VAULT_TIMEOUT_MS: '1000' })
    try {
      const { token, call, form } = api(server.url)
      const before = await token(ADMIN_ID, ADMIN_SECRET)
      expect(decodeProtectedHeader(before).kid).toBe('agentidp#v1')
      const jwks = (await call('GET', '/.well-known/jwks.json')).body?.['keys'] as { kid: string }[]
      expect(jwks.map((k) => k.kid)).toEqual(['agentidp#v1'])

      await vault.stop()
      const res = await form('/oauth2/token', { grant_type: 'client_credentials' }, { id: ADMIN_ID, secret: ADMIN_SECRET })
      expect(res.status).toBe(503)
      expect(res.body).toEqual({ error: 'temporarily_unavailable' })
      expect(await cacheStatus(server.url)).toMatchObject({ code: 503, keyStore: 'unreachable' })
      const rotate = await call('POST', '/api/v1/admin/keys/rotate', before)
      expect(rotate.status).toBe(503)
      expect(rotate.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' })

      await vault.start()
      const after = await token(ADMIN_ID, ADMIN_SECRET)
      expect(decodeProtectedHeader(after).kid).toBe('agentidp#v1')
      expect((await call('GET', '/agent-info', after)).status).toBe(200)
    } finally {
      await server.close()
      await vault.stop()
      await dispose()
    }
  }, 60_000)
})
