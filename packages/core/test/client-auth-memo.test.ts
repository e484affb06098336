/**
 * Client authentication remembers what it read (credential, agent, organization; an agent's key)
 * in the liveness memo: a burst of token requests by one client reads storage once, yet every
 * change still rejects the client at once in this process, and at once in another process that
 * hears the announcement. A wrong secret never profits from the memo (it is looked up like an
 * unknown id, so the answer's timing says nothing about the id).
 */
import { randomUUID } from 'node:crypto'
import { importJWK, SignJWT, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { createMemoryEphemeralStore, createMemoryStorage, type Idp, type Storage } from '../src/index.js'
import { LIVENESS_CHANNEL } from '../src/tokens/liveness-memo.js'
import { agentInput, setup, tokenFor } from './helpers.js'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const ISSUER = 'http://idp.test'

/** Storage whose client-authentication lookups are counted. */
function countingStorage(): { storage: Storage; counts: Record<string, number> } {
  const inner = createMemoryStorage()
  const counts: Record<string, number> = { findByClientId: 0, ownerOf: 0, agentKeyFind: 0, agentFind: 0, orgFind: 0 }
  const storage: Storage = {
    ...inner,
    credentials: {
      ...inner.credentials,
      findByClientId: (id) => {
        counts['findByClientId']!++
        return inner.credentials.findByClientId(id)
      },
    },
    agents: {
      ...inner.agents,
      ownerOf: (id) => {
        counts['ownerOf']!++
        return inner.agents.ownerOf(id)
      },
      find: (...args) => {
        counts['agentFind']!++
        return inner.agents.find(...args)
      },
    },
    organizations: {
      ...inner.organizations,
      find: (...args) => {
        counts['orgFind']!++
        return inner.organizations.find(...args)
      },
    },
    agentKeys: {
      ...inner.agentKeys,
      find: (...args) => {
        counts['agentKeyFind']!++
        return inner.agentKeys.find(...args)
      },
    },
  }
  return { storage, counts }
}

async function tenant(idp: Idp, admin: Awaited<ReturnType<typeof setup>>['admin']) {
  const agent = await idp.agents.register(admin, agentInput(`cm-${randomUUID().slice(0, 8)}`, { scopes: ['agents:read'] }))
  const cred = await idp.credentials.generate(admin, agent.agentId, {})
  return { agentId: agent.agentId, credentialId: cred.credentialId, clientId: cred.clientId, secret: cred.clientSecret }
}

async function assertion(agentId: string, privateJwk: JWK): Promise<string> {
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid ?? '' })
    .setIssuer(agentId)
    .setSubject(agentId)
    .setAudience(ISSUER)
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(await importJWK(privateJwk, 'ES256'))
}

const pkjwtRequest = (a: string) => ({ params: { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: a } })

describe('client authentication memo (client_secret_basic)', () => {
  it('reads the credential, agent and organization once for a burst of requests', async () => {
    const { storage, counts } = countingStorage()
    const { idp, admin } = await setup({ storage })
    const t = await tenant(idp, admin)
    await tokenFor(idp, t.clientId, t.secret)
    const before = { ...counts }
    for (let i = 0; i < 5; i++) await tokenFor(idp, t.clientId, t.secret)
    expect(counts['findByClientId']).toBe(before['findByClientId'])
    expect(counts['agentFind']).toBe(before['agentFind'])
    expect(counts['orgFind']).toBe(before['orgFind'])
  })

  it('concurrent requests of one client share one set of lookups (single flight)', async () => {
    const { storage, counts } = countingStorage()
    const { idp, admin } = await setup({ storage })
    const t = await tenant(idp, admin)
    const before = { ...counts }
    const tokens = await Promise.all(Array.from({ length: 8 }, () => tokenFor(idp, t.clientId, t.secret)))
    expect(new Set(tokens).size).toBe(8)
    expect(counts['findByClientId']).toBe((before['findByClientId'] ?? 0) + 1)
    expect(counts['agentFind']).toBe((before['agentFind'] ?? 0) + 1)
    // The same token presented concurrently: one liveness check.
    const orgFinds = counts['orgFind'] ?? 0
    await Promise.all(Array.from({ length: 8 }, () => idp.authenticate(tokens[0] ?? '')))
    expect(counts['orgFind']).toBe(orgFinds + 1)
  })

  it('a wrong secret is looked up like an unknown id, and refused, while the memo is warm', async () => {
    const { storage, counts } = countingStorage()
    const { idp, admin } = await setup({ storage })
    const t = await tenant(idp, admin)
    await tokenFor(idp, t.clientId, t.secret)
    const before = counts['findByClientId'] ?? 0
    await expect(tokenFor(idp, t.clientId, `${t.secret}x`)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
    await expect(tokenFor(idp, `${t.clientId.slice(0, -1)}0`, t.secret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
    expect(counts['findByClientId']).toBe(before + 2)
  })

  it('a suspension, a revocation or a rotation refuses the client at once', async () => {
    const { idp, admin } = await setup()
    const a = await tenant(idp, admin)
    await tokenFor(idp, a.clientId, a.secret)
    await idp.agents.update(admin, a.agentId, { status: 'suspended' })
    await expect(tokenFor(idp, a.clientId, a.secret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })

    const b = await tenant(idp, admin)
    await tokenFor(idp, b.clientId, b.secret)
    await idp.credentials.revoke(admin, b.agentId, b.credentialId)
    await expect(tokenFor(idp, b.clientId, b.secret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })

    const c = await tenant(idp, admin)
    await tokenFor(idp, c.clientId, c.secret)
    const next = await idp.credentials.rotate(admin, c.agentId, c.credentialId)
    await expect(tokenFor(idp, c.clientId, c.secret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
    await expect(tokenFor(idp, c.clientId, next.clientSecret)).resolves.toEqual(expect.any(String))
  })

  it('is cleared by a change another process announces', async () => {
    const storage = createMemoryStorage()
    const ephemeral = createMemoryEphemeralStore()
    const { idp, admin } = await setup({ storage, ephemeral })
    const t = await tenant(idp, admin)
    await tokenFor(idp, t.clientId, t.secret)
    // Another process suspends the agent directly in the shared storage and announces it.
    const orgId = (await storage.agents.ownerOf(t.agentId)) ?? ''
    await storage.agents.update(orgId, t.agentId, { status: 'suspended', updatedAt: new Date() })
    await ephemeral.publish?.(LIVENESS_CHANNEL, 'agent.suspended')
    await expect(tokenFor(idp, t.clientId, t.secret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
  })

  it('a token found dead by a fresh read clears the memo, before any announcement arrives', async () => {
    const storage = createMemoryStorage()
    const { idp, admin } = await setup({ storage })
    const t = await tenant(idp, admin)
    const token = await tokenFor(idp, t.clientId, t.secret) // the client's records are remembered
    // Another process revokes the credential; its announcement has not arrived.
    const orgId = (await storage.agents.ownerOf(t.agentId)) ?? ''
    await storage.credentials.revokeAllForAgent(orgId, t.agentId, new Date())
    await expect(idp.authenticate(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    await expect(tokenFor(idp, t.clientId, t.secret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
  })

  it('re-reads storage once the memo TTL has passed on the IdP clock', async () => {
    let now = Date.now()
    const storage = createMemoryStorage()
    const { idp, admin } = await setup({ storage, clock: () => new Date(now) })
    const t = await tenant(idp, admin)
    await tokenFor(idp, t.clientId, t.secret)
    // A change nobody announced (a process without publish/subscribe): only the TTL covers it.
    const orgId = (await storage.agents.ownerOf(t.agentId)) ?? ''
    await storage.agents.update(orgId, t.agentId, { status: 'suspended', updatedAt: new Date(now) })
    now += 1000
    await expect(tokenFor(idp, t.clientId, t.secret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
  })
})

describe('client authentication memo (private_key_jwt)', () => {
  it('reads the agent and its key once, and still refuses a replayed assertion', async () => {
    const { storage, counts } = countingStorage()
    const { idp, admin } = await setup({ storage })
    const t = await tenant(idp, admin)
    const { privateJwk } = await idp.agentKeys.add(admin, t.agentId, {})
    if (privateJwk === undefined) throw new Error('no private key returned')
    await idp.oauth.token(pkjwtRequest(await assertion(t.agentId, privateJwk)))
    const before = { ...counts }
    for (let i = 0; i < 3; i++) await idp.oauth.token(pkjwtRequest(await assertion(t.agentId, privateJwk)))
    expect(counts).toEqual(before)
    const a = await assertion(t.agentId, privateJwk)
    await idp.oauth.token(pkjwtRequest(a))
    await expect(idp.oauth.token(pkjwtRequest(a))).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
  })

  it('refuses a removed key and a bad signature at once', async () => {
    const { idp, admin } = await setup()
    const t = await tenant(idp, admin)
    const { privateJwk, kid } = await idp.agentKeys.add(admin, t.agentId, {})
    if (privateJwk === undefined) throw new Error('no private key returned')
    await idp.oauth.token(pkjwtRequest(await assertion(t.agentId, privateJwk)))
    // Same kid, another key: the signature does not verify, memo or not.
    const other = await idp.agentKeys.add(admin, t.agentId, {})
    if (other.privateJwk === undefined) throw new Error('no private key returned')
    await expect(idp.oauth.token(pkjwtRequest(await assertion(t.agentId, { ...other.privateJwk, kid })))).rejects.toMatchObject({
      code: 'INVALID_CLIENT',
    })
    await idp.agentKeys.remove(admin, t.agentId, kid)
    await expect(idp.oauth.token(pkjwtRequest(await assertion(t.agentId, privateJwk)))).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
  })

  it('a suspension refuses the agent at once', async () => {
    const { idp, admin } = await setup()
    const t = await tenant(idp, admin)
    const { privateJwk } = await idp.agentKeys.add(admin, t.agentId, {})
    if (privateJwk === undefined) throw new Error('no private key returned')
    await idp.oauth.token(pkjwtRequest(await assertion(t.agentId, privateJwk)))
    await idp.agents.update(admin, t.agentId, { status: 'suspended' })
    await expect(idp.oauth.token(pkjwtRequest(await assertion(t.agentId, privateJwk)))).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
  })
})

