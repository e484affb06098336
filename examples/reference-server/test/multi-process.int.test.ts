/**
 * Two reference-server processes on one PostgreSQL schema and one Redis (random key prefix):
 * revocation (of a token or of a delegation), credential rotation, suspension and the removal of a
 * `private_key_jwt` key through A are rejected by B within 1 s (B's memo holds the imported key); rate
 * limits are shared; a signing key rotation during continuous issuance and verification across
 * both processes causes zero failed verifications.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serviceReachable } from '@sentryagent/core/testing'
import { SignJWT, decodeProtectedHeader, importJWK, type CryptoKey, type JWK } from 'jose'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, DATABASE_URL, MASTER_KEY, addAgent, api, freePort, provisionTenant } from './harness.js'
import { REDIS_URL, probeRedis, spawnServerOnPort, until, type OpsServerProcess } from './ops-fixtures.js'

const pgUp = await serviceReachable('postgres', async () => {
  const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  await c.connect()
  await c.end()
})
const redisUp = await serviceReachable('redis', probeRedis)

describe.runIf(pgUp && redisUp)('two server processes on one PostgreSQL and one Redis', () => {
  const schema = `mp_${randomBytes(6).toString('hex')}`
  let dir: string
  let a: OpsServerProcess
  let b: OpsServerProcess
  let issuer: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentidp-mp-'))
    const [portA, portB] = [await freePort(), await freePort()]
    issuer = `http://127.0.0.1:${portA}`
    const env = {
      ISSUER: issuer, // one issuer for the whole deployment (behind a load balancer)
      DATA_DIR: dir,
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL,
      REDIS_KEY_PREFIX: `mp:${randomBytes(4).toString('hex')}:`,
      SENTRYAGENT_MASTER_KEY: MASTER_KEY,
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: ADMIN_ID,
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: ADMIN_SECRET,
      KEY_REFRESH_INTERVAL_SECONDS: '1',
      KEY_ACTIVATION_DELAY_SECONDS: '2',
      RATE_LIMIT_AUTH_FAILURES: '4',
      RATE_LIMIT_TOKEN_CLIENT_POINTS: '10000',
      RATE_LIMIT_REST_POINTS: '10000',
    }
    a = await spawnServerOnPort(env, portA)
    b = await spawnServerOnPort(env, portB)
  }, 120_000)

  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    const c = new pg.Client({ connectionString: DATABASE_URL })
    await c.connect()
    await c.query(`drop schema if exists ${schema} cascade`)
    await c.end()
    await rm(dir, { recursive: true, force: true })
  })

  const rejectedBy = (base: string, token: string) => async () =>
    (await api(base).call('GET', '/agent-info', token)).status === 401

  it('a token revoked through A is rejected by B within 1 s', async () => {
    const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, 'mp-revoke', ['agents:read'])
    const token = await api(a.url).token(t.clientId, t.clientSecret)
    expect((await api(b.url).call('GET', '/agent-info', token)).status).toBe(200)
    const revoked = await api(a.url).form('/oauth2/revoke', { token }, { id: t.clientId, secret: t.clientSecret })
    expect(revoked.status).toBe(200)
    expect(await until(rejectedBy(b.url, token), 1000)).toBe(true)
  })

  it('a credential rotated through A: old tokens and the old secret are rejected by B within 1 s', async () => {
    const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, 'mp-rotate', ['agents:read'])
    const token = await api(b.url).token(t.clientId, t.clientSecret)
    const rotated = await api(a.url).call('POST', `/api/v1/agents/${t.agentId}/credentials/${t.credentialId}/rotate`, admin)
    expect(rotated.status).toBe(200)
    const newSecret = String(rotated.body?.['clientSecret'])
    expect(await until(rejectedBy(b.url, token), 1000)).toBe(true)
    const oldSecret = await api(b.url).form('/oauth2/token', { grant_type: 'client_credentials' }, { id: t.clientId, secret: t.clientSecret })
    expect(oldSecret.status).toBe(401)
    expect(await api(b.url).token(t.clientId, newSecret)).toMatch(/^ey/)
  })

  it('an agent suspended through A is rejected by B within 1 s', async () => {
    const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, 'mp-suspend', ['agents:read'])
    const token = await api(a.url).token(t.clientId, t.clientSecret)
    expect((await api(b.url).call('GET', '/agent-info', token)).status).toBe(200)
    const suspended = await api(a.url).call('PATCH', `/api/v1/agents/${t.agentId}`, admin, { status: 'suspended' })
    expect(suspended.status).toBe(200)
    expect(await until(rejectedBy(b.url, token), 1000)).toBe(true)
  })

  it('a delegation revoked through A: B refuses the exchange and the delegated access token within 1 s', async () => {
    const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
    const scopes = ['agents:read', 'delegation:write']
    const t = await provisionTenant(a.url, admin, 'mp-deleg', scopes)
    const delegatee = await addAgent(a.url, admin, t.organizationId, 'mp-deleg-delegatee', scopes)
    const delegateeId = delegatee.agentId
    const actor = { id: delegatee.clientId, secret: delegatee.clientSecret }
    const actorToken = await api(b.url).token(actor.id, actor.secret)
    const delegatorToken = await api(a.url).token(t.clientId, t.clientSecret)
    const created = await api(a.url).call('POST', '/oauth2/token/delegate', delegatorToken, { delegateeAgentId: delegateeId, scopes: ['agents:read'], ttlSeconds: 600 })
    expect(created.status).toBe(201)
    const exchange = () =>
      api(b.url).form(
        '/oauth2/token',
        {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: String(created.body?.['delegationToken']),
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          actor_token: actorToken,
          actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        },
        actor,
      )
    // B reads the live chain (and remembers it) for the exchange and for calls with its token.
    const exchanged = await exchange()
    expect(exchanged.status).toBe(200)
    const delegated = String(exchanged.body?.['access_token'])
    expect((await exchange()).status).toBe(200)
    expect((await api(b.url).call('GET', '/agent-info', delegated)).status).toBe(200)
    const revoked = await api(a.url).call('DELETE', `/oauth2/token/delegate/${String(created.body?.['chainId'])}`, delegatorToken)
    expect(revoked.status).toBe(204)
    const refused = async () => (await exchange()).status === 400 && (await rejectedBy(b.url, delegated)())
    expect(await until(refused, 1000)).toBe(true)
    expect((await exchange()).body).toMatchObject({ error: 'invalid_grant' })
  })

  it('an agent key removed or an agent suspended through A: B refuses its private_key_jwt assertions within 1 s', async () => {
    const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, 'mp-pkjwt', ['agents:read', 'agents:write'])
    const tenantToken = await api(a.url).token(t.clientId, t.clientSecret)
    const keyed = async () => {
      const res = await api(a.url).call('POST', `/api/v1/agents/${t.agentId}/keys`, tenantToken, {})
      expect(res.status).toBe(201)
      return { kid: String(res.body?.['kid']), key: (await importJWK(res.body?.['privateJwk'] as JWK, 'ES256')) as CryptoKey }
    }
    const presented = async (base: string, k: { kid: string; key: CryptoKey }) => {
      const now = Math.floor(Date.now() / 1000)
      const assertion = await new SignJWT({ jti: randomBytes(12).toString('hex') })
        .setProtectedHeader({ alg: 'ES256', kid: k.kid })
        .setIssuer(t.agentId)
        .setSubject(t.agentId)
        .setAudience(issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(k.key)
      const form = { grant_type: 'client_credentials', client_id: t.agentId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }
      return (await api(base).form('/oauth2/token', form)).status
    }
    const removed = await keyed()
    const kept = await keyed()
    // B authenticates with both keys first: its memo now holds them, imported.
    expect(await presented(b.url, removed)).toBe(200)
    expect(await presented(b.url, kept)).toBe(200)
    expect((await api(a.url).call('DELETE', `/api/v1/agents/${t.agentId}/keys/${removed.kid}`, tenantToken)).status).toBe(204)
    expect(await until(async () => (await presented(b.url, removed)) === 401, 1000)).toBe(true)
    expect(await presented(b.url, kept)).toBe(200)
    expect((await api(a.url).call('PATCH', `/api/v1/agents/${t.agentId}`, admin, { status: 'suspended' })).status).toBe(200)
    expect(await until(async () => (await presented(b.url, kept)) === 401, 1000)).toBe(true)
  })

  it('shares rate limits: failed authentications counted on A and B slow the client down on both', async () => {
    const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, 'mp-limits', ['agents:read'])
    const bad = { id: t.clientId, secret: 'wrong-secret' }
    for (const server of [a, b, a, b]) {
      expect((await api(server.url).form('/oauth2/token', { grant_type: 'client_credentials' }, bad)).status).toBe(401)
    }
    for (const server of [a, b]) {
      const res = await api(server.url).form('/oauth2/token', { grant_type: 'client_credentials' }, { id: t.clientId, secret: t.clientSecret })
      expect(res.status).toBe(429)
      expect(res.body).toMatchObject({ error: 'invalid_request' })
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(res.headers.get('ratelimit-limit')).toBe('4')
      expect(res.headers.get('ratelimit-remaining')).toBe('0')
    }
  })

  it('rotates the signing key during continuous issuance and verification with zero failed verifications', async () => {
    const admin = await api(a.url).token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, 'mp-keys', ['agents:read'])
    const oldKid = decodeProtectedHeader(await api(a.url).token(t.clientId, t.clientSecret)).kid
    const failures: string[] = []
    let newKidTokens = 0
    let rotatedKid: string | undefined
    const deadline = Date.now() + 25_000
    for (let i = 0; Date.now() < deadline && newKidTokens < 6; i++) {
      const [issuer, verifier] = i % 2 === 0 ? [a, b] : [b, a]
      if (i === 3) {
        const r = await api(a.url).call('POST', '/api/v1/admin/keys/rotate', admin)
        expect(r.status).toBe(200)
        rotatedKid = String(r.body?.['kid'])
      }
      const token = await api(issuer.url).token(t.clientId, t.clientSecret)
      const kid = decodeProtectedHeader(token).kid
      if (kid === rotatedKid) newKidTokens++
      const res = await api(verifier.url).call('GET', '/agent-info', token)
      if (res.status !== 200) failures.push(`${kid}: ${res.status}`)
      // The admin token from before the rotation keeps working too.
      if ((await api(verifier.url).call('GET', `/api/v1/agents/${t.agentId}`, admin)).status !== 200) failures.push('old admin token')
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(failures).toEqual([])
    expect(rotatedKid).not.toBe(oldKid)
    expect(newKidTokens).toBeGreaterThanOrEqual(6)
    for (const server of [a, b]) {
      const kids = ((await api(server.url).call('GET', '/.well-known/jwks.json')).body?.['keys'] as { kid: string }[]).map((k) => k.kid)
      expect(kids).toEqual(expect.arrayContaining([oldKid, rotatedKid]))
    }
  }, 60_000)
})
