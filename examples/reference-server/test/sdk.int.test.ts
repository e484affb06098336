/**
 * `@sentryagent/client` against the real reference server (PostgreSQL + Redis when reachable): the
 * lifecycle through the SDK, the token manager's single flight, refresh margin and recovery from a
 * server-side revocation, `private_key_jwt`, delegation, pagination and typed problem details.
 */
import { randomBytes } from 'node:crypto'
import { createAgentIdpClient, createTokenManager, IdpApiError, unwrap, type AgentIdpClient } from '@sentryagent/client'
import { decodeJwt, exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminClient, provisionAgent, startIdp, tokensIssued } from './client-fixtures.js'
import type { Running } from './harness.js'

const SCOPES = ['agents:read', 'agents:write', 'audit:read', 'tokens:read', 'delegation:write'] as const

describe('@sentryagent/client against the reference server', () => {
  let server: Running
  let admin: AgentIdpClient

  beforeAll(async () => {
    server = await startIdp()
    admin = adminClient(server.url)
  })
  afterAll(async () => {
    await server.close()
  })

  /** An agent with a credential for calls and a second one to read the audit log without issuing tokens for the first. */
  async function agentWithAuditor(slug: string, options: { clock?: () => Date } = {}) {
    const { agent, credential, org } = await provisionAgent(admin, slug, [...SCOPES])
    const auditorCredential = await admin.credentials.create(agent.agentId)
    const client = createAgentIdpClient({ url: server.url, clientId: credential.clientId, clientSecret: credential.clientSecret, ...options })
    const auditor = createAgentIdpClient({ url: server.url, clientId: auditorCredential.clientId, clientSecret: auditorCredential.clientSecret })
    return { agent, credential, org, client, auditor }
  }

  it('runs the lifecycle: register → credentials → token → get → list → audit → rotate → decommission', async () => {
    const org = await admin.organizations.create({ name: 'Lifecycle', slug: `life-${randomBytes(3).toString('hex')}` })
    const agent = await admin.agents.register({
      organizationId: org.organizationId,
      name: 'invoice-summarizer',
      agentType: 'summarizer',
      version: '1.0.0',
      capabilities: ['invoices:read'],
      owner: 'finance',
      deploymentEnv: 'production',
      scopes: ['agents:read', 'audit:read'],
    })
    expect(agent).toMatchObject({ organizationId: org.organizationId, status: 'active', did: expect.stringContaining(agent.agentId) })
    const credential = await admin.credentials.create(agent.agentId)
    expect(credential.clientSecret.length).toBeGreaterThan(30)

    const client = createAgentIdpClient({ url: server.url, clientId: credential.clientId, clientSecret: credential.clientSecret, authMethod: 'client_secret_post' })
    const token = await client.tokens.current()
    expect(decodeJwt(token.accessToken)).toMatchObject({ sub: agent.agentId, client_id: credential.clientId, scope: 'agents:read audit:read' })
    expect((await client.whoami()).agent_id).toBe(agent.agentId)
    expect(await client.agents.get(agent.agentId)).toMatchObject({ agentId: agent.agentId, name: 'invoice-summarizer' })
    const listed = await client.agents.list()
    expect(listed.items.map((a) => a.agentId)).toEqual([agent.agentId])
    expect(listed.nextCursor).toBeNull()
    const actions = (await client.audit.list({ limit: 100 })).items.map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['agent.created', 'credential.generated', 'token.issued']))

    const rotated = await admin.credentials.rotate(agent.agentId, credential.credentialId)
    expect(rotated.clientSecret).not.toBe(credential.clientSecret)
    // The old token is rejected; the one recovery attempt then fails with the old secret.
    const stale = await client.agents.get(agent.agentId).catch((e: unknown) => e)
    expect(stale).toBeInstanceOf(IdpApiError)
    expect(stale).toMatchObject({ code: 'INVALID_CLIENT', status: 401, oauthError: 'invalid_client' })
    const fresh = createAgentIdpClient({ url: server.url, clientId: credential.clientId, clientSecret: rotated.clientSecret })
    expect((await fresh.whoami()).client_id).toBe(credential.clientId)

    await admin.agents.decommission(agent.agentId)
    const gone = await fresh.whoami().catch((e: unknown) => e)
    expect(gone).toMatchObject({ code: 'INVALID_CLIENT', status: 401 })
    expect(await admin.agents.get(agent.agentId)).toMatchObject({ status: 'decommissioned' })
  })

  it('100 concurrent calls on a cold client make exactly one token request (one token.issued event)', async () => {
    const { client, auditor, credential, agent } = await agentWithAuditor('burst')
    const results = await Promise.all(Array.from({ length: 100 }, () => client.agents.get(agent.agentId)))
    expect(results.every((a) => a.agentId === agent.agentId)).toBe(true)
    expect(await tokensIssued(auditor, credential.clientId)).toBe(1)
  })

  it('a clock crossing the refresh margin refreshes exactly once', async () => {
    let now = new Date()
    const { client, auditor, credential } = await agentWithAuditor('clock', { clock: () => now })
    const first = await client.tokens.current()
    expect(first.refreshAt.getTime()).toBe(first.expiresAt.getTime() - 60_000)
    now = new Date(first.refreshAt.getTime() - 1000) // just before the margin: same token
    expect(await Promise.all(Array.from({ length: 20 }, () => client.tokens.getToken()))).toEqual(Array(20).fill(first.accessToken))
    now = new Date(first.refreshAt.getTime() + 1000) // inside the margin: one refresh for all
    const after = await Promise.all(Array.from({ length: 20 }, () => client.whoami().then(() => client.tokens.getToken())))
    expect(new Set(after).size).toBe(1)
    expect(after[0]).not.toBe(first.accessToken)
    expect(await tokensIssued(auditor, credential.clientId)).toBe(2)
  })

  it('keeps a still-valid token when a refresh inside the margin fails, and fails once it expired', async () => {
    let now = new Date()
    let tokenEndpointDown = false
    const { credential } = await provisionAgent(admin, 'flaky', ['agents:read'])
    const tokens = createTokenManager({
      url: server.url,
      clientId: credential.clientId,
      clientSecret: credential.clientSecret,
      clock: () => now,
      retry: { retries: 0 },
      // The IdP's token endpoint becomes unreachable (the rest of the network is fine).
      fetch: async (input, init) => {
        const url = input instanceof Request ? input.url : String(input)
        if (tokenEndpointDown && url.endsWith('/oauth2/token')) throw new TypeError('fetch failed')
        return fetch(input, init)
      },
    })
    const first = await tokens.current()
    tokenEndpointDown = true
    now = new Date(first.refreshAt.getTime() + 1000)
    expect(await tokens.getToken()).toBe(first.accessToken)
    now = new Date(first.expiresAt.getTime() + 1000)
    await expect(tokens.getToken()).rejects.toThrow('fetch failed')
    tokenEndpointDown = false
    expect(await tokens.getToken()).not.toBe(first.accessToken)
  })

  it('recovers from a server-side revocation with exactly one refresh', async () => {
    const { client, auditor, credential, agent } = await agentWithAuditor('revoked')
    const revoked = await client.tokens.getToken()
    // Revoked behind the client's back (RFC 7009, by another party holding the credential).
    const other = createTokenManager({ url: server.url, clientId: credential.clientId, clientSecret: credential.clientSecret })
    await other.revoke(revoked)
    const results = await Promise.all(Array.from({ length: 10 }, () => client.agents.get(agent.agentId)))
    expect(results).toHaveLength(10)
    expect(await client.tokens.getToken()).not.toBe(revoked)
    expect(await tokensIssued(auditor, credential.clientId)).toBe(2)
  })

  it('authenticates with private_key_jwt, signing its own assertions with the agent key', async () => {
    const { agent } = await provisionAgent(admin, 'pkjwt', ['agents:read'])
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const key = await admin.keys.add(agent.agentId, { publicJwk: { ...(await exportJWK(publicKey)), kty: 'EC' } })
    expect(key.privateJwk).toBeUndefined()
    const client = createAgentIdpClient({ url: server.url, clientId: agent.agentId, privateKey: { ...(await exportJWK(privateKey)), kid: key.kid } })
    expect(client.tokens.authMethod).toBe('private_key_jwt')
    expect(await client.whoami()).toMatchObject({ sub: agent.agentId, client_id: agent.agentId })
    // A server-generated pair works the same; its private JWK is returned once.
    const generated = await admin.keys.add(agent.agentId, { alg: 'EdDSA' })
    expect(generated.privateJwk).toBeDefined()
    const second = createAgentIdpClient({ url: server.url, clientId: agent.agentId, privateKey: { ...generated.privateJwk, kid: generated.kid } })
    expect((await second.tokens.current()).response.scope).toBe('agents:read')
    expect((await admin.keys.list(agent.agentId)).items.map((k) => k.kid).sort()).toEqual([key.kid, generated.kid].sort())
    await admin.keys.remove(agent.agentId, key.kid)
    await expect(client.tokens.refresh()).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
  })

  it('delegates, exchanges (RFC 8693) with act, verifies and revokes a delegation', async () => {
    const { agent: orchestrator, credential, org } = await provisionAgent(admin, 'deleg', [...SCOPES])
    const worker = await admin.agents.register({
      organizationId: org.organizationId, name: 'worker', agentType: 'extractor', version: '1.0.0',
      capabilities: [], owner: 'it', deploymentEnv: 'production', scopes: ['agents:read'],
    })
    const workerCredential = await admin.credentials.create(worker.agentId)
    const boss = createAgentIdpClient({ url: server.url, clientId: credential.clientId, clientSecret: credential.clientSecret })
    const sub = createAgentIdpClient({ url: server.url, clientId: workerCredential.clientId, clientSecret: workerCredential.clientSecret })

    const delegation = await boss.delegate({ delegateeAgentId: worker.agentId, scopes: ['agents:write'], ttlSeconds: 600 })
    expect(delegation).toMatchObject({ delegatorAgentId: orchestrator.agentId, delegateeAgentId: worker.agentId, scopes: ['agents:write'] })
    expect(await sub.verifyDelegation(delegation.delegationToken)).toMatchObject({ valid: true, chainId: delegation.chainId })
    const exchanged = await sub.exchange({ subjectToken: delegation.delegationToken })
    expect(decodeJwt(exchanged.access_token)).toMatchObject({ sub: orchestrator.agentId, act: { sub: worker.agentId }, scope: 'agents:write' })

    await boss.revokeDelegation(delegation.chainId)
    expect(await sub.verifyDelegation(delegation.delegationToken)).toMatchObject({ valid: false, reason: 'revoked' })
    await expect(sub.exchange({ subjectToken: delegation.delegationToken })).rejects.toMatchObject({ code: 'INVALID_GRANT', status: 400 })
  })

  it('iterates every page of a list through nextCursor, lazily', async () => {
    const { org } = await provisionAgent(admin, 'pages', ['agents:read'])
    for (let i = 0; i < 4; i++) {
      await admin.agents.register({
        organizationId: org.organizationId, name: `paged-${i}`, agentType: 'custom', version: '1.0.0',
        capabilities: [], owner: 'it', deploymentEnv: 'development',
      })
    }
    const seen: string[] = []
    for await (const a of admin.agents.listAll({ organizationId: org.organizationId, limit: 2 })) seen.push(a.name)
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)
  })

  it('turns problem+json into a typed IdpApiError with code, requestId and field errors', async () => {
    const missing = await admin.agents.get('no-such-agent').catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(IdpApiError)
    expect(missing).toMatchObject({ code: 'NOT_FOUND', status: 404, requestId: expect.any(String) })
    const invalid = await admin.organizations.create({ name: 'x', slug: 'NOT A SLUG' }).catch((e: unknown) => e)
    expect(invalid).toMatchObject({ code: 'VALIDATION_ERROR', status: 400 })
    expect((invalid as IdpApiError).errors.map((e) => e.field)).toContain('/slug')
    // The generic typed layer covers every route, with the same errors.
    const viaApi = await unwrap(admin.api.GET('/api/v1/agents/{agentId}', { params: { path: { agentId: 'no-such-agent' } } })).catch((e: unknown) => e)
    expect(viaApi).toMatchObject({ code: 'NOT_FOUND' })
    const bad = createAgentIdpClient({ url: server.url, clientId: 'no-such-client', clientSecret: 'x'.repeat(43) })
    await expect(bad.whoami()).rejects.toMatchObject({ code: 'INVALID_CLIENT', status: 401 })
  })
})
