/**
 * Federation across two real server processes (the production plugin wiring, default SSRF-safe
 * transport with FEDERATION_ALLOW_INSECURE_LOCALHOST for the local issuer) on one PostgreSQL and one
 * Redis: a workload token used at one process is refused at the other (single use is shared), and
 * the policy written through one process is honoured by the other.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serviceReachable } from '@sentryagent/core/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, DATABASE_URL, MASTER_KEY, api, freePort, provisionTenant } from './harness.js'
import { REDIS_URL, probeRedis, spawnServerOnPort, type OpsServerProcess } from './ops-fixtures.js'
import { kubernetesClaims, startLocalIssuer, type LocalIssuer } from './fixtures/oidc-issuer.js'

const pgUp = await serviceReachable('postgres', async () => {
  const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  await c.connect()
  await c.end()
})
const redisUp = await serviceReachable('redis', probeRedis)
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

describe.runIf(pgUp && redisUp)('federation on two server processes sharing PostgreSQL and Redis', () => {
  const schema = `fedmp_${randomBytes(6).toString('hex')}`
  let dir: string
  let a: OpsServerProcess
  let b: OpsServerProcess
  let issuer: string
  let cluster: LocalIssuer

  beforeAll(async () => {
    cluster = await startLocalIssuer('local', { alg: 'ES256' })
    dir = await mkdtemp(join(tmpdir(), 'agentidp-fedmp-'))
    const [portA, portB] = [await freePort(), await freePort()]
    issuer = `http://127.0.0.1:${portA}`
    const env = {
      ISSUER: issuer,
      DATA_DIR: dir,
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL,
      REDIS_KEY_PREFIX: `fedmp:${randomBytes(4).toString('hex')}:`,
      SENTRYAGENT_MASTER_KEY: MASTER_KEY,
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: ADMIN_ID,
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: ADMIN_SECRET,
      FEDERATION_ALLOW_INSECURE_LOCALHOST: 'true',
      RATE_LIMIT_TOKEN_CLIENT_POINTS: '10000',
      RATE_LIMIT_REST_POINTS: '10000',
    }
    a = await spawnServerOnPort(env, portA)
    b = await spawnServerOnPort(env, portB)
  }, 120_000)

  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await cluster?.close()
    const c = new pg.Client({ connectionString: DATABASE_URL })
    await c.connect()
    await c.query(`drop schema if exists ${schema} cascade`)
    await c.end()
    await rm(dir, { recursive: true, force: true })
  })

  it('a workload token exchanged at one process is refused as a replay at the other', async () => {
    const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
    const tenant = await provisionTenant(a.url, admin, 'fedmp', ['agents:read', 'agents:write'])
    const manager = await api(a.url).token(tenant.clientId, tenant.clientSecret)
    const policy = await api(a.url).call('POST', '/api/v1/oidc/trust-policies', manager, {
      name: 'builders', issuer: cluster.issuer, agentId: tenant.agentId, scopes: ['agents:read'],
      conditions: [{ claim: 'sub', glob: 'system:serviceaccount:ci:*' }],
    })
    expect(policy.status, JSON.stringify(policy.body)).toBe(201)

    const token = await cluster.sign(kubernetesClaims(cluster.issuer, issuer, 'ci', 'builder'))
    const first = await api(a.url).form('/oauth2/token', { grant_type: JWT_BEARER, assertion: token })
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const replay = await api(b.url).form('/oauth2/token', { grant_type: JWT_BEARER, assertion: token })
    expect(replay.body).toMatchObject({ error: 'invalid_grant' })

    // A fresh token works at B (policy written through A, keys fetched by B itself), and the
    // issued token is accepted by A.
    const fresh = await api(b.url).form('/oauth2/token', { grant_type: JWT_BEARER, assertion: await cluster.sign(kubernetesClaims(cluster.issuer, issuer, 'ci', 'builder')) })
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200)
    expect((await api(a.url).call('GET', `/api/v1/agents/${tenant.agentId}`, String(fresh.body?.['access_token']))).status).toBe(200)
  })
})
