/**
 * The HTTP edge's limits on the real server, over real sockets, with the limiters in the shared
 * Redis (random key prefix) — issue 10:
 * - finding 3: oversized client ids are refused and never become limiter keys (Redis key count
 *   and sizes inspected); OAuth bodies over 64 KiB answer 413;
 * - finding 5: an attacker at 127.0.0.2 failing with a victim's client id is slowed down, while
 *   the victim at 127.0.0.1 still gets tokens with its secret and with `private_key_jwt`;
 * - finding 16: the per-address limits are configured from the environment.
 */
import { randomUUID } from 'node:crypto'
import { serviceReachable } from '@sentryagent/core/testing'
import { Redis } from 'ioredis'
import { SignJWT, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropPrefix, probeRedis, randomPrefix, REDIS_URL } from '../../../packages/adapter-redis/test/private-redis.js'
import { sendForm, send } from './edge-sockets.js'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

const redisUp = await serviceReachable('redis', probeRedis)
// PostgreSQL when it answers (always under CI), else PGlite: the edge does not depend on storage.
const target = TARGETS[TARGETS.length - 1] ?? TARGETS[0]
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const ATTACKER = '127.0.0.2'
const VICTIM = '127.0.0.1'

/** Every key under `prefix` with its name length. */
async function redisKeys(prefix: string): Promise<string[]> {
  const client = new Redis(REDIS_URL)
  try {
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      keys.push(...batch)
      cursor = next
    } while (cursor !== '0')
    return keys
  } finally {
    client.disconnect()
  }
}

describe.runIf(target !== undefined)('the HTTP edge under attack', () => {
  let server: Running
  let prefix: string
  let admin: string

  beforeAll(async () => {
    prefix = randomPrefix()
    if (target === undefined) throw new Error('no storage target')
    server = await startOn(target, redisUp ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : {})
    admin = await api(server.url).token(ADMIN_ID, ADMIN_SECRET)
  })
  afterAll(async () => {
    await server.close()
    if (redisUp) await dropPrefix(prefix)
  })

  it.runIf(redisUp)('refuses oversized client ids without growing the shared Redis (finding 3)', async () => {
    const before = await redisKeys(prefix)
    const statuses: number[] = []
    // 60 distinct ~60 kB client ids (under the 64 KiB body limit), at introspection as in the report…
    for (let i = 0; i < 60; i++) {
      const id = `${i}-${'x'.repeat(60_000)}`
      statuses.push((await sendForm(`${server.url}/oauth2/introspect`, { token: 't', client_id: id, client_secret: 's' })).status)
    }
    expect(statuses.every((s) => s === 400)).toBe(true)
    // … in Basic credentials (a failed authentication, 401), at every OAuth endpoint …
    for (const path of ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke']) {
      for (let i = 0; i < 5; i++) {
        const res = await sendForm(`${server.url}${path}`, { grant_type: 'client_credentials', token: 't' }, { basic: { id: `${i}${'y'.repeat(8000)}`, secret: 's' } })
        expect(res.status).toBe(401)
      }
    }
    // … and the report's ~900 kB bodies, refused before they are read.
    for (let i = 0; i < 5; i++) {
      const res = await sendForm(`${server.url}/oauth2/introspect`, { token: 't', client_id: `${i}${'z'.repeat(900_000)}`, client_secret: 's' })
      expect(res.status).toBe(413)
      expect(res.json).toMatchObject({ error: 'invalid_request' })
    }
    const added = (await redisKeys(prefix)).filter((k) => !before.includes(k))
    // At most the per-address counters of the three endpoints; none derived from a client id.
    expect(added.length).toBeLessThanOrEqual(3)
    for (const key of added) expect(key).toMatch(/rl:(introspect|token|revoke)-ip:ip:[A-Za-z0-9_-]{22}$/)
    for (const key of await redisKeys(prefix)) expect(key.length).toBeLessThanOrEqual(prefix.length + 64)

    // An ordinary failure is counted under one bounded (client id, address) key.
    const failure = await sendForm(`${server.url}/oauth2/introspect`, { token: 't' }, { basic: { id: 'no-such-client', secret: 's' } })
    expect(failure.status).toBe(401)
    const failureKeys = (await redisKeys(prefix)).filter((k) => k.includes('rl:auth-failures:'))
    expect(failureKeys).toEqual([expect.stringMatching(/rl:auth-failures:client-ip:[A-Za-z0-9_-]{22}$/)])
  })

  it('does not let failures from another address lock a client out (finding 5)', async () => {
    const http = api(server.url)
    const victim = await provisionTenant(server.url, admin, `victim-${randomUUID().slice(0, 8)}`, ['agents:read', 'agents:write'])
    const victimToken = await http.token(victim.clientId, victim.clientSecret)
    // The victim agent also holds a key, for private_key_jwt (client_id = its public agent id).
    const key = await http.call('POST', `/api/v1/agents/${victim.agentId}/keys`, victimToken, {})
    expect(key.status).toBe(201)
    const privateKey = (await importJWK(key.body?.['privateJwk'] as JWK, 'ES256')) as CryptoKey
    const kid = String(key.body?.['kid'])
    const assertion = (signingKey: CryptoKey) => {
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer(victim.agentId)
        .setSubject(victim.agentId)
        .setAudience(server.url)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(signingKey)
    }
    const { privateKey: attackerKey } = await generateKeyPair('ES256')
    const token = `${server.url}/oauth2/token`
    const withSecret = (from: string, secret: string) => sendForm(token, { grant_type: 'client_credentials' }, { localAddress: from, basic: { id: victim.clientId, secret } })
    const withKey = async (from: string, signingKey: CryptoKey) =>
      sendForm(
        token,
        { grant_type: 'client_credentials', client_id: victim.agentId, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(signingKey) },
        { localAddress: from },
      )

    // The attacker fails 10 times (the default limit) with each of the victim's ids.
    for (let i = 0; i < 10; i++) {
      expect((await withSecret(ATTACKER, 'wrong-secret')).status).toBe(401)
      expect((await withKey(ATTACKER, attackerKey)).status).toBe(401)
    }
    // The attacker is slowed down, even with the right credentials …
    const slowed = await withSecret(ATTACKER, victim.clientSecret)
    expect(slowed.status).toBe(429)
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(1)
    expect((await withKey(ATTACKER, privateKey)).status).toBe(429)
    // … while the victim, from its own address, still gets tokens both ways.
    const bySecret = await withSecret(VICTIM, victim.clientSecret)
    expect(bySecret.status).toBe(200)
    expect(bySecret.json?.['access_token']).toEqual(expect.any(String))
    const byKey = await withKey(VICTIM, privateKey)
    expect(byKey.status).toBe(200)
    expect(byKey.json?.['access_token']).toEqual(expect.any(String))
  })
})

describe.runIf(target !== undefined)('per-address limits from the environment (finding 16)', () => {
  it('applies RATE_LIMIT_{PUBLIC_IP,INTROSPECT_IP,REVOKE_IP}_POINTS and RATE_LIMIT_BEARER_FAILURES', async () => {
    if (target === undefined) throw new Error('no storage target')
    const server = await startOn(target, {
      RATE_LIMIT_PUBLIC_IP_POINTS: '2',
      RATE_LIMIT_INTROSPECT_IP_POINTS: '2',
      RATE_LIMIT_REVOKE_IP_POINTS: '2',
      RATE_LIMIT_BEARER_FAILURES: '2',
    })
    try {
      const adminToken = await api(server.url).token(ADMIN_ID, ADMIN_SECRET)
      const statuses = async (n: number, call: () => Promise<{ status: number }>) => {
        const out: number[] = []
        for (let i = 0; i < n; i++) out.push((await call()).status)
        return out
      }
      expect(await statuses(3, () => send(`${server.url}/api/v1/marketplace/agents`))).toEqual([200, 200, 429])
      const basic = { id: ADMIN_ID, secret: ADMIN_SECRET }
      expect(await statuses(3, () => sendForm(`${server.url}/oauth2/introspect`, { token: adminToken }, { basic }))).toEqual([200, 200, 429])
      expect(await statuses(3, () => sendForm(`${server.url}/oauth2/revoke`, { token: 'unknown' }, { basic }))).toEqual([200, 200, 429])
      const bearer = (t: string) => () => send(`${server.url}/agent-info`, { headers: { authorization: `Bearer ${t}` } })
      expect(await statuses(3, bearer('forged.token.value'))).toEqual([401, 401, 429])
      expect((await bearer(adminToken)()).status).toBe(429)
      expect((await send(`${server.url}/agent-info`, { localAddress: ATTACKER, headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200)
    } finally {
      await server.close()
    }
  })
})
