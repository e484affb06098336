/**
 * Resource servers verifying the IdP's tokens with `@sentryagent/client`: `verifyAccessToken`
 * (discovery, remote JWKS, RFC 9068 checks, optional introspection), a signing-key rotation in the
 * middle of continuous verification, and the Fastify and Express guards' RFC 6750 answers.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { AccessTokenError, createAccessTokenVerifier, createAgentIdpClient, verifyAccessToken, type AccessTokenVerifier, type AgentIdpClient } from '@sentryagent/client'
import agentIdpAuth from '@sentryagent/client/fastify'
import { requireAgentToken } from '@sentryagent/client/express'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminClient, provisionAgent, startIdp } from './client-fixtures.js'
import type { Running } from './harness.js'

describe('resource servers verifying IdP tokens', () => {
  let server: Running
  let admin: AgentIdpClient
  let reader: AgentIdpClient
  let readerId: string

  beforeAll(async () => {
    server = await startIdp()
    admin = adminClient(server.url)
    const { agent, credential } = await provisionAgent(admin, 'rs', ['agents:read', 'tokens:read', 'delegation:write'])
    readerId = agent.agentId
    reader = createAgentIdpClient({ url: server.url, clientId: credential.clientId, clientSecret: credential.clientSecret })
  })
  afterAll(async () => {
    await server.close()
  })

  it('verifies an access token (RFC 9068) and refuses tampered, expired, foreign-audience and under-scoped ones', async () => {
    const token = await reader.tokens.getToken()
    const verified = await verifyAccessToken(token, { issuer: server.url, audience: server.url, requiredScopes: ['agents:read'] })
    expect(verified).toMatchObject({ subject: readerId, scopes: ['agents:read', 'tokens:read', 'delegation:write'], act: undefined, actors: [] })
    expect(verified.organizationId).toEqual(expect.any(String))

    const verifier = createAccessTokenVerifier({ issuer: server.url, audience: server.url })
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AccessTokenError)
    const [h, p, s] = token.split('.')
    const tampered = `${h}.${p}.${s!.slice(0, -4)}AAAA`
    expect(await refusal(verifier.verify(tampered))).toMatchObject({ code: 'invalid_token', status: 401 })
    const scoped = await refusal(verifier.verify(token, { requiredScopes: ['audit:read'] }))
    expect(scoped).toMatchObject({ code: 'insufficient_scope', status: 403 })
    expect(scoped?.challenge()).toBe('Bearer error="insufficient_scope", error_description="The access token lacks scope audit:read", scope="audit:read"')
    const elsewhere = createAccessTokenVerifier({ issuer: server.url, audience: 'https://api.other.example' })
    expect(await refusal(elsewhere.verify(token))).toMatchObject({ code: 'invalid_token' })
    const later = createAccessTokenVerifier({ issuer: server.url, audience: server.url, clock: () => new Date(Date.now() + 2 * 3600_000) })
    expect(await refusal(later.verify(token))).toMatchObject({ code: 'invalid_token', message: 'The access token expired' })
    // A JWT that is not an access token (here: a delegation token, signed by the same IdP keys) is refused.
    const peer = await admin.agents.register({
      organizationId: verified.organizationId, name: 'rs-peer', agentType: 'custom', version: '1.0.0', capabilities: [], owner: 'it', deploymentEnv: 'production', scopes: ['agents:read'],
    })
    const delegation = await reader.delegate({ delegateeAgentId: peer.agentId, scopes: ['agents:read'], ttlSeconds: 60 })
    expect(await refusal(verifier.verify(delegation.delegationToken))).toMatchObject({ code: 'invalid_token' })
    // An issuer that does not answer is "temporarily unavailable", never "valid".
    const down = createAccessTokenVerifier({ issuer: 'http://127.0.0.1:9', audience: server.url })
    expect(await refusal(down.verify(token))).toMatchObject({ code: 'temporarily_unavailable', status: 503 })
  })

  it('with introspection, a revoked token is refused at once; offline verification alone still accepts it', async () => {
    const { credential } = await provisionAgent(admin, 'rs-intro', ['agents:read', 'tokens:read'])
    const agent = createAgentIdpClient({ url: server.url, clientId: credential.clientId, clientSecret: credential.clientSecret })
    const token = await agent.tokens.getToken()
    const offline = createAccessTokenVerifier({ issuer: server.url, audience: server.url })
    const live = createAccessTokenVerifier({ issuer: server.url, audience: server.url, introspection: { clientId: credential.clientId, clientSecret: credential.clientSecret } })
    expect((await live.verify(token)).subject).toBe((await offline.verify(token)).subject)
    await agent.tokens.revoke(token)
    expect((await offline.verify(token)).clientId).toBe(credential.clientId)
    await expect(live.verify(token)).rejects.toMatchObject({ code: 'invalid_token', message: 'The access token was revoked or its agent is inactive' })
  })

  it('never fails a verification while the signing key rotates mid-run', async () => {
    // The server publishes a rotated-in key 2 s before it signs; the verifier's cooldown is below that.
    const verifier = createAccessTokenVerifier({ issuer: server.url, audience: server.url, jwks: { cooldownMs: 1000 } })
    const { credential } = await provisionAgent(admin, 'rs-rotate', ['agents:read'])
    const failures: string[] = []
    const kids = new Set<string>()
    let rotatedKid: string | undefined
    let newKidVerified = 0
    const deadline = Date.now() + 25_000
    for (let i = 0; Date.now() < deadline && newKidVerified < 5; i++) {
      if (i === 3) rotatedKid = (await unwrapRotate(admin)).kid
      const agent = createAgentIdpClient({ url: server.url, clientId: credential.clientId, clientSecret: credential.clientSecret })
      const token = await agent.tokens.getToken()
      const kid = String(decodeProtectedHeader(token).kid)
      kids.add(kid)
      try {
        await verifier.verify(token, { requiredScopes: ['agents:read'] })
        if (kid === rotatedKid) newKidVerified++
      } catch (err) {
        failures.push(`${kid}: ${String(err)}`)
      }
      await new Promise((r) => setTimeout(r, 150))
    }
    expect(failures).toEqual([])
    expect(rotatedKid).toBeDefined()
    expect(newKidVerified).toBe(5)
    expect(kids.size).toBe(2)
  }, 60_000)

  describe('guards answer RFC 6750 challenges', () => {
    let verifier: AccessTokenVerifier
    let fastify: FastifyInstance
    let expressServer: Server
    let urls: Record<'fastify' | 'express', string>
    let delegatedToken: string

    beforeAll(async () => {
      verifier = createAccessTokenVerifier({ issuer: server.url, audience: server.url })
      fastify = Fastify()
      await fastify.register(agentIdpAuth, { verifier, realm: 'reports' })
      fastify.get('/reports', { preHandler: fastify.requireAgentToken({ requiredScopes: ['agents:read'] }) }, async (req) => ({
        subject: req.agentToken?.subject,
        actor: req.agentToken?.act?.sub ?? null,
      }))
      fastify.get('/admin', { preHandler: fastify.requireAgentToken({ requiredScopes: ['admin:orgs', 'agents:read'] }) }, async () => ({ ok: true }))
      await fastify.listen({ port: 0, host: '127.0.0.1' })
      const app = express()
      app.get('/reports', requireAgentToken({ verifier, realm: 'reports', requiredScopes: ['agents:read'] }), (req, res) => {
        res.json({ subject: req.agentToken?.subject, actor: req.agentToken?.act?.sub ?? null })
      })
      app.get('/admin', requireAgentToken({ verifier, realm: 'reports', requiredScopes: ['admin:orgs', 'agents:read'] }), (_req, res) => {
        res.json({ ok: true })
      })
      expressServer = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s))
      })
      urls = {
        fastify: `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`,
        express: `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`,
      }
      // A delegated token: an orchestrator delegates agents:read to the reader, who exchanges it.
      const { credential } = await provisionAgent(admin, 'rs-boss', ['agents:read', 'delegation:write'])
      const boss = createAgentIdpClient({ url: server.url, clientId: credential.clientId, clientSecret: credential.clientSecret })
      const bossOrg = (await boss.whoami()).organization_id
      const worker = await admin.agents.register({
        organizationId: bossOrg, name: 'rs-worker', agentType: 'extractor', version: '1.0.0', capabilities: [], owner: 'it', deploymentEnv: 'production', scopes: ['agents:read'],
      })
      const workerCredential = await admin.credentials.create(worker.agentId)
      const workerClient = createAgentIdpClient({ url: server.url, clientId: workerCredential.clientId, clientSecret: workerCredential.clientSecret })
      const delegation = await boss.delegate({ delegateeAgentId: worker.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
      delegatedToken = (await workerClient.exchange({ subjectToken: delegation.delegationToken })).access_token
    })
    afterAll(async () => {
      await fastify.close()
      await new Promise((resolve) => expressServer.close(resolve))
    })

    const get = async (url: string, authorization?: string) => {
      const res = await fetch(url, { headers: authorization === undefined ? {} : { authorization } })
      return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, unknown> }
    }

    for (const framework of ['fastify', 'express'] as const) {
      it(`${framework}: 401 without a token, 400 malformed, 401 invalid, 403 insufficient scope, 200 with act for delegated calls`, async () => {
        const base = urls[framework]
        const token = await reader.tokens.getToken()
        // No token: no error code (RFC 6750 §3.1), but the scope the resource needs.
        expect(await get(`${base}/reports`)).toEqual({
          status: 401,
          challenge: 'Bearer realm="reports", scope="agents:read"',
          body: { error_description: 'A Bearer access token is required' },
        })
        expect(await get(`${base}/reports`, 'Bearer a b')).toMatchObject({ status: 400, challenge: expect.stringContaining('error="invalid_request"') })
        expect(await get(`${base}/reports`, 'Bearer not.a.token')).toMatchObject({
          status: 401,
          challenge: 'Bearer realm="reports", error="invalid_token", error_description="The access token is invalid"',
          body: { error: 'invalid_token' },
        })
        expect(await get(`${base}/admin`, `Bearer ${token}`)).toEqual({
          status: 403,
          challenge: 'Bearer realm="reports", error="insufficient_scope", error_description="The access token lacks scope admin:orgs", scope="admin:orgs agents:read"',
          body: { error: 'insufficient_scope', error_description: 'The access token lacks scope admin:orgs' },
        })
        expect(await get(`${base}/reports`, `Bearer ${token}`)).toEqual({ status: 200, challenge: null, body: { subject: readerId, actor: null } })
        const delegated = await get(`${base}/reports`, `Bearer ${delegatedToken}`)
        expect(delegated.status).toBe(200)
        expect(delegated.body['actor']).toEqual(expect.any(String))
        expect(delegated.body['actor']).not.toBe(delegated.body['subject'])
      })
    }
  })
})

async function unwrapRotate(admin: AgentIdpClient): Promise<{ kid: string }> {
  const { data, error } = await admin.api.POST('/api/v1/admin/keys/rotate')
  if (data === undefined) throw new Error(`rotate failed: ${JSON.stringify(error)}`)
  return data
}
