/**
 * `private_key_jwt` (RFC 7523) end to end (issue 4): an agent with no client secret obtains a token
 * through openid-client; the very same assertion replayed is `invalid_client`, and so are
 * assertions signed by a removed key, by another agent's key, with `alg: none` or HS256, for a wrong
 * `aud` or one audience among several, issued in the future, expired, or living too long. Key-bound tokens die with their key; failures are audited.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'
import { until } from './ops-fixtures.js'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

describe.each(TARGETS)('private_key_jwt on $name', (target) => {
  let server: Running
  let http: ReturnType<typeof api>
  let admin: string
  let tenant: Awaited<ReturnType<typeof provisionTenant>>
  let tenantToken: string

  beforeAll(async () => {
    server = await startOn(target)
    http = api(server.url)
    admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    tenant = await provisionTenant(server.url, admin, `pkjwt-${target.name}`, ['agents:read', 'agents:write', 'audit:read'])
    tenantToken = await http.token(tenant.clientId, tenant.clientSecret)
  })
  afterAll(async () => {
    await server.close()
  })

  /** A new agent of the tenant (no credential) with a server-generated ES256 key. */
  async function keyedAgent() {
    const agent = await http.call('POST', '/api/v1/agents', tenantToken, {
      name: `keyed-${randomUUID().slice(0, 8)}`,
      agentType: 'custom',
      version: '1.0.0',
      capabilities: ['docs:read'],
      owner: 'pkjwt',
      deploymentEnv: 'production',
      scopes: ['agents:read'],
    })
    expect(agent.status).toBe(201)
    const agentId = String(agent.body?.['agentId'])
    return { agentId, ...(await addKey(agentId)) }
  }

  async function addKey(agentId: string) {
    const res = await http.call('POST', `/api/v1/agents/${agentId}/keys`, tenantToken, {})
    expect(res.status).toBe(201)
    const privateJwk = res.body?.['privateJwk'] as JWK
    return { kid: String(res.body?.['kid']), privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey }
  }

  const assertion = (
    agentId: string,
    key: CryptoKey,
    kid: string | undefined,
    claims: { aud?: string | string[]; exp?: number; iss?: string; iat?: number } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', ...(kid === undefined ? {} : { kid }) })
      .setIssuer(claims.iss ?? agentId)
      .setSubject(agentId)
      .setAudience(claims.aud ?? server.url)
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 60)
      .sign(key)
  }

  /**
   * The reasons of the agent's `auth.failed` events, once all of `expected` are there: failures are
   * audited just after the response, so that they take the same time whether the id exists or not.
   */
  async function failureReasons(agentId: string, expected: readonly string[]): Promise<string[]> {
    const reasons = async () => {
      const audit = await http.call('GET', `/api/v1/audit?action=auth.failed&agentId=${agentId}&limit=100`, tenantToken)
      return (audit.body?.['items'] as { details: { reason: string } }[]).map((e) => e.details.reason)
    }
    await until(async () => {
      const got = await reasons()
      return expected.every((r) => got.includes(r))
    }, 10_000)
    return reasons()
  }

  const present = (agentId: string, clientAssertion: string, type = ASSERTION_TYPE) =>
    http.form('/oauth2/token', {
      grant_type: 'client_credentials',
      client_id: agentId,
      client_assertion_type: type,
      client_assertion: clientAssertion,
    })

  const expectInvalidClient = (res: Awaited<ReturnType<typeof present>>) => {
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ error: 'invalid_client' })
  }

  it('is advertised in discovery with the accepted algorithms', async () => {
    const meta = (await http.call('GET', '/.well-known/openid-configuration')).body
    expect(meta?.['token_endpoint_auth_methods_supported']).toContain('private_key_jwt')
    expect(meta?.['token_endpoint_auth_signing_alg_values_supported']).toEqual(['ES256', 'EdDSA', 'RS256', 'PS256'])
  })

  it('openid-client obtains a token; the same assertion replayed is invalid_client', async () => {
    const { agentId, kid, privateKey } = await keyedAgent()
    const sent: string[] = []
    const config = await client.discovery(new URL(server.url), agentId, undefined, client.PrivateKeyJwt({ key: privateKey, kid }), {
      execute: [client.allowInsecureRequests],
    })
    config[client.customFetch] = (url, options) => {
      // openid-client sends a URLSearchParams body; its string form is what went over the wire.
      if (url.endsWith('/oauth2/token') && options.body instanceof URLSearchParams) sent.push(options.body.toString())
      return fetch(url, options)
    }
    const tokens = await client.clientCredentialsGrant(config, { scope: 'agents:read' })
    expect(tokens.scope).toBe('agents:read')
    const claims = decodeJwt(tokens.access_token)
    expect(claims).toMatchObject({ sub: agentId, client_id: agentId, agent_key_id: kid })
    expect(claims['credential_id']).toBeUndefined()
    expect((await http.call('GET', `/api/v1/agents/${agentId}`, tokens.access_token)).status).toBe(200)

    const body = new URLSearchParams(sent[0] ?? '')
    expect(body.get('client_assertion_type')).toBe(ASSERTION_TYPE)
    const replay = await http.form('/oauth2/token', Object.fromEntries(body))
    expectInvalidClient(replay)

    // Without kid the server tries the agent's active keys; a second openid-client request works.
    const noKid = await client.discovery(new URL(server.url), agentId, undefined, client.PrivateKeyJwt(privateKey), {
      execute: [client.allowInsecureRequests],
    })
    expect((await client.clientCredentialsGrant(noKid)).access_token).toMatch(/^ey/)
  })

  it('rejects a removed key, and tokens obtained with a key die when it is removed', async () => {
    const { agentId, kid, privateKey } = await keyedAgent()
    const ok = await present(agentId, await assertion(agentId, privateKey, kid))
    expect(ok.status).toBe(200)
    const token = String(ok.body?.['access_token'])
    expect((await http.call('GET', `/api/v1/agents/${agentId}`, token)).status).toBe(200)
    expect((await http.call('DELETE', `/api/v1/agents/${agentId}/keys/${kid}`, tenantToken)).status).toBe(204)
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid)))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, undefined)))
    expect((await http.call('GET', `/api/v1/agents/${agentId}`, token)).status).toBe(401)
  })

  it("rejects another agent's key, under its own kid or the victim's", async () => {
    const victim = await keyedAgent()
    const attacker = await keyedAgent()
    expectInvalidClient(await present(victim.agentId, await assertion(victim.agentId, attacker.privateKey, attacker.kid)))
    expectInvalidClient(await present(victim.agentId, await assertion(victim.agentId, attacker.privateKey, victim.kid)))
    expectInvalidClient(await present(victim.agentId, await assertion(victim.agentId, attacker.privateKey, undefined)))
  })

  it('rejects alg none, HS256, a wrong aud, an expired or too long-lived assertion, a wrong type and iss ≠ sub', async () => {
    const { agentId, kid, privateKey } = await keyedAgent()
    const now = Math.floor(Date.now() / 1000)
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    const claims = { iss: agentId, sub: agentId, aud: server.url, iat: now, exp: now + 60, jti: randomUUID() }
    expectInvalidClient(await present(agentId, `${b64({ alg: 'none', kid })}.${b64(claims)}.`))
    const publicJwk = (await http.call('GET', `/api/v1/agents/${agentId}/keys`, tenantToken)).body?.['items'] as { publicJwk: { x: string } }[]
    const hmac = await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: 'HS256', kid })
      .sign(new TextEncoder().encode(publicJwk[0]?.publicJwk.x ?? 'x'))
    expectInvalidClient(await present(agentId, hmac))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { aud: 'https://elsewhere.example' })))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { exp: now - 120 })))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { exp: now + 3600 })))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { iss: tenant.agentId })))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid), 'urn:example:other'))
    // The token endpoint URL is an accepted audience too, and a fresh assertion still works.
    expect((await present(agentId, await assertion(agentId, privateKey, kid, { aud: `${server.url}/oauth2/token` }))).status).toBe(200)

    // iss ≠ sub names no agent reliably: that failure is logged, not written to any organization's log.
    const expected = ['alg_not_allowed', 'bad_claim_aud', 'assertion_expired', 'assertion_lifetime_too_long']
    expect(await failureReasons(agentId, expected)).toEqual(expect.arrayContaining(expected))
  })

  it('requires this server as the only audience and an iat no more than 60 s ahead (RFC 7523bis)', async () => {
    const { agentId, kid, privateKey } = await keyedAgent()
    const now = Math.floor(Date.now() / 1000)
    // Addressed to this server AND another party: could be replayed from (or to) it.
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { aud: [server.url, 'http://evil.example'] })))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { aud: ['http://evil.example', `${server.url}/oauth2/token`] })))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { aud: [] })))
    // Issued a year from now (with an exp that alone would be acceptable).
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { iat: now + 365 * 86_400 })))
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid, { iat: now + 120 })))
    expect(await failureReasons(agentId, ['bad_claim_aud', 'iat_in_future'])).toEqual(expect.arrayContaining(['bad_claim_aud', 'iat_in_future']))
    // A one-element array, either accepted value, and a client clock slightly ahead all still work.
    expect((await present(agentId, await assertion(agentId, privateKey, kid, { aud: [server.url] }))).status).toBe(200)
    expect((await present(agentId, await assertion(agentId, privateKey, kid, { aud: [`${server.url}/oauth2/token`] }))).status).toBe(200)
    expect((await present(agentId, await assertion(agentId, privateKey, kid, { iat: now + 30 }))).status).toBe(200)
  })

  it('a suspended agent cannot authenticate with its key', async () => {
    const { agentId, kid, privateKey } = await keyedAgent()
    expect((await http.call('PATCH', `/api/v1/agents/${agentId}`, tenantToken, { status: 'suspended' })).status).toBe(200)
    expectInvalidClient(await present(agentId, await assertion(agentId, privateKey, kid)))
  })

  it('refuses private members, symmetric keys and short RSA keys with field errors, storing nothing', async () => {
    const { agentId } = await keyedAgent()
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const withD = await http.call('POST', `/api/v1/agents/${agentId}/keys`, tenantToken, { publicJwk: await exportJWK(privateKey) })
    expect(withD.status).toBe(400)
    expect(withD.body).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: '/publicJwk/d' }] })
    const oct = await http.call('POST', `/api/v1/agents/${agentId}/keys`, tenantToken, { publicJwk: { kty: 'oct', kid: 'x' } })
    expect(oct.body).toMatchObject({ code: 'VALIDATION_ERROR' })
    // jose refuses to make short RSA keys; node:crypto still does.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const short = await http.call('POST', `/api/v1/agents/${agentId}/keys`, tenantToken, { publicJwk: rsa.publicKey.export({ format: 'jwk' }) })
    expect(short.body).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: '/publicJwk/n' }] })
    const keys = (await http.call('GET', `/api/v1/agents/${agentId}/keys`, tenantToken)).body?.['items'] as unknown[]
    expect(keys).toHaveLength(1)
  })
})
